import { spawn, type ChildProcess } from 'node:child_process';

/** Debian's ffmpeg, or `FFMPEG_PATH`. */
export const FFMPEG = process.env.FFMPEG_PATH ?? '/usr/bin/ffmpeg';

/**
 * ffmpeg publishing a 320×180 test pattern (with a 440 Hz tone unless `tone` is false) to an RTMP URL, in real time,
 * as an organiser's encoder would.
 */
export function publishTestPattern(url: string, seconds: number, opts: { tone?: boolean } = {}): ChildProcess {
  const tone = opts.tone ?? true;
  return spawn(
    FFMPEG,
    [
      ...['-hide_banner', '-loglevel', 'error', '-re'],
      ...['-f', 'lavfi', '-i', `testsrc=size=320x180:rate=25:duration=${seconds}`],
      ...(tone ? ['-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`] : []),
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '25', '-pix_fmt', 'yuv420p'],
      ...(tone ? ['-c:a', 'aac'] : []),
      ...['-f', 'flv', url],
    ],
    { stdio: 'ignore' },
  );
}
