/** Where an upsells product must be displayed to show beside the stream (`player`, should upsells offer it). */
const SHOWN_IN_PLAYER = new Set(['all', 'player']);

/**
 * Virtual merchandise: the upsells products the player page shows beside the stream (add-ons and bundles shown
 * everywhere; upgrades are tickets, not merchandise). What a viewer buys of them counts into the revenue share.
 */
export const shownInPlayer = (p: { display_in: string; type: string }): boolean =>
  SHOWN_IN_PLAYER.has(p.display_in) && p.type !== 'upgrade';
