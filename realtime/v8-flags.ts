import v8 from 'node:v8';

// Imported first by realtime/main.ts. After a flood of scans V8 pretenures the allocation sites
// whose objects outlived a young-generation GC then (scans in flight): their objects, short-lived
// again at normal load, go straight to the old generation and keep the young objects they point to
// alive through each scavenge until the next full GC. Measured in bench:checkin at 2,000 scans/s,
// pretenuring off cut what survives a scavenge from ~2.0 to ~1.4 MB and the mean pause from ~4 to
// ~3 ms; in a pg-only loop it cut survival from 9 % to 1.4 % of allocation.
v8.setFlagsFromString('--no-allocation-site-pretenuring');
