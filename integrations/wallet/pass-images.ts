import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseFont, type Font, type PathCommand } from 'opentype.js';
import { PNG } from 'pngjs';
import type { PassArtwork } from '../../domain/wallet/design';

/**
 * The images of an Apple pass, drawn once per branding and kept: the icon Wallet shows on the lock
 * screen and in notifications, and the logo at the top of the pass, each at 1x, 2x and 3x. From the
 * tenant's logo when it has one, else the tenant's initial on its brand colour.
 */
export interface PassImages {
  /** File name and PNG, in the order they go into the pass. */
  files: [string, Buffer][];
  /** File name to SHA-1 (hex), as manifest.json lists them. */
  hashes: Record<string, string>;
}

/** Apple's sizes in points: the icon is 29x29, the logo at most 160x50. */
const ICON_POINTS = 29;
const LOGO_MAX_POINTS = { width: 160, height: 50 };
const SCALES = [1, 2, 3];
const scaledName = (base: string, scale: number) => (scale === 1 ? `${base}.png` : `${base}@${scale}x.png`);

/** A logo larger than this is not decoded: a small PNG can inflate to gigabytes of pixels, and four times
 * the largest image Wallet shows is plenty. */
const MAX_LOGO_SIDE = 2048;
const CACHE_SIZE = 256;
const cache = new Map<string, PassImages>();

export function passImages(artwork: PassArtwork, logoPng?: Buffer): PassImages {
  const key = JSON.stringify([artwork, logoPng ? createHash('sha1').update(logoPng).digest('hex') : null]);
  let images = cache.get(key);
  if (images) {
    // Most recently used last, so the one dropped is the least recently used.
    cache.delete(key);
  } else {
    images = drawPassImages(artwork, logoPng);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  }
  cache.set(key, images);
  return images;
}

/** Width and height from a PNG's header, or undefined when the bytes are not a PNG. */
function pngSize(png: Buffer): { width: number; height: number } | undefined {
  if (png.length < 24 || png.toString('hex', 0, 8) !== '89504e470d0a1a0a' || png.toString('latin1', 12, 16) !== 'IHDR')
    return undefined;
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** RGBA pixels, premultiplied by alpha and 0..1, so that scaling and compositing do not darken edges. */
interface Raster {
  width: number;
  height: number;
  data: Float32Array;
}

function drawPassImages(artwork: PassArtwork, logoPng?: Buffer): PassImages {
  const background = rgba(artwork.backgroundColor);
  const decoded = logoPng && readLogo(logoPng);
  // Scaled once to what the largest image needs (the 3x logo is at most 480 px wide), so that a large
  // logo is read through once rather than for each of the six images.
  const tenantLogo = decoded && shrinkWithin(decoded, LOGO_MAX_POINTS.width * 3);
  // The mark: the tenant's logo, else its initial in the foreground colour (a dot when the font lacks it).
  const mark = tenantLogo ?? tint(initialMask(artwork.initial), rgba(artwork.foregroundColor));

  // The mark centred on a square ground, within the given shares of its side.
  const onSquare = (side: number, ground: number[], widthShare: number, heightShare: number) => {
    const ratio = Math.min((side * widthShare) / mark.width, (side * heightShare) / mark.height);
    const fitted = resize(mark, Math.round(mark.width * ratio), Math.round(mark.height * ratio));
    return composite(
      fill(side, side, ground),
      fitted,
      Math.round((side - fitted.width) / 2),
      Math.round((side - fitted.height) / 2),
    );
  };
  const files: [string, Buffer][] = [];
  for (const scale of SCALES) {
    // A logo fills most of the icon, whatever its shape; the initial, half its height.
    files.push([
      scaledName('icon', scale),
      encodePng(onSquare(ICON_POINTS * scale, background, 0.8, tenantLogo ? 0.8 : 0.5)),
    ]);
  }
  // The tenant's logo keeps its proportions, with no padding that would push logoText aside; the default
  // is a square mark on a clear ground. Either way 2x and 3x are exactly twice and three times 1x.
  const ratio = Math.min(LOGO_MAX_POINTS.width / mark.width, LOGO_MAX_POINTS.height / mark.height);
  const logo1x = {
    width: Math.max(1, Math.round(mark.width * ratio)),
    height: Math.max(1, Math.round(mark.height * ratio)),
  };
  for (const scale of SCALES) {
    const logo = tenantLogo
      ? resize(mark, logo1x.width * scale, logo1x.height * scale)
      : onSquare(LOGO_MAX_POINTS.height * scale, [0, 0, 0, 0], 0.8, 0.6);
    files.push([scaledName('logo', scale), encodePng(logo)]);
  }
  return {
    files,
    hashes: Object.fromEntries(files.map(([name, png]) => [name, createHash('sha1').update(png).digest('hex')])),
  };
}

/** The tenant's logo, or undefined when it is not a PNG of a sane size: the pass then gets the default. */
function readLogo(png: Buffer): Raster | undefined {
  const size = pngSize(png);
  if (!size || size.width < 1 || size.height < 1 || size.width > MAX_LOGO_SIDE || size.height > MAX_LOGO_SIDE)
    return undefined;
  let decoded: { width: number; height: number; data: Buffer };
  try {
    decoded = PNG.sync.read(png);
  } catch {
    return undefined;
  }
  const data = new Float32Array(decoded.width * decoded.height * 4);
  for (let i = 0; i < data.length; i += 4) {
    const a = decoded.data[i + 3] / 255;
    data[i] = (decoded.data[i] / 255) * a;
    data[i + 1] = (decoded.data[i + 1] / 255) * a;
    data[i + 2] = (decoded.data[i + 2] / 255) * a;
    data[i + 3] = a;
  }
  return { width: decoded.width, height: decoded.height, data };
}

function encodePng(image: Raster): Buffer {
  const png = new PNG({ width: image.width, height: image.height });
  const { data } = image;
  for (let i = 0; i < data.length; i += 4) {
    const a = data[i + 3];
    for (let c = 0; c < 3; c++) png.data[i + c] = a > 0 ? Math.round(Math.min(1, data[i + c] / a) * 255) : 0;
    png.data[i + 3] = Math.round(Math.min(1, a) * 255);
  }
  return PNG.sync.write(png, { colorType: 6 });
}

/** '#rrggbb' as opaque 0..1 RGBA. */
function rgba(hex: string): number[] {
  const n = parseInt(hex.slice(1), 16);
  return [((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255, 1];
}

function fill(width: number, height: number, colour: number[]): Raster {
  const data = new Float32Array(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set(colour, i);
  return { width, height, data };
}

/** Draws src over dst at (x, y), in place. */
function composite(dst: Raster, src: Raster, x: number, y: number): Raster {
  for (let sy = 0; sy < src.height; sy++) {
    const dy = y + sy;
    if (dy < 0 || dy >= dst.height) continue;
    for (let sx = 0; sx < src.width; sx++) {
      const dx = x + sx;
      if (dx < 0 || dx >= dst.width) continue;
      const s = (sy * src.width + sx) * 4;
      const d = (dy * dst.width + dx) * 4;
      const keep = 1 - src.data[s + 3];
      for (let c = 0; c < 4; c++) dst.data[d + c] = src.data[s + c] + dst.data[d + c] * keep;
    }
  }
  return dst;
}

/** The image, scaled down to fit within side x side when it is larger. */
function shrinkWithin(image: Raster, side: number): Raster {
  const ratio = side / Math.max(image.width, image.height);
  return ratio >= 1 ? image : resize(image, Math.round(image.width * ratio), Math.round(image.height * ratio));
}

/**
 * Scales with a triangle filter as wide as the scale factor when shrinking (every source pixel counts,
 * so a large logo does not alias) and bilinear when enlarging: across the rows, then down the columns.
 */
function resize(image: Raster, width: number, height: number): Raster {
  return transpose(resizeRows(transpose(resizeRows(image, Math.max(1, width))), Math.max(1, height)));
}

function resizeRows(image: Raster, width: number): Raster {
  const out = new Float32Array(width * image.height * 4);
  const scale = image.width / width;
  const radius = Math.max(1, scale);
  for (let x = 0; x < width; x++) {
    const centre = (x + 0.5) * scale;
    const from = Math.max(0, Math.floor(centre - radius));
    const to = Math.min(image.width, Math.ceil(centre + radius));
    const weights = Array.from({ length: to - from }, (_v, k) =>
      Math.max(0, 1 - Math.abs((from + k + 0.5 - centre) / radius)),
    );
    const total = weights.reduce((sum, w) => sum + w, 0);
    for (let y = 0; y < image.height; y++) {
      const o = (y * width + x) * 4;
      for (let k = 0; k < weights.length; k++) {
        const w = weights[k] / total;
        const i = (y * image.width + from + k) * 4;
        for (let c = 0; c < 4; c++) out[o + c] += image.data[i + c] * w;
      }
    }
  }
  return { width, height: image.height, data: out };
}

function transpose(image: Raster): Raster {
  const out = new Float32Array(image.data.length);
  for (let y = 0; y < image.height; y++)
    for (let x = 0; x < image.width; x++)
      out.set(
        image.data.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 4),
        (x * image.height + y) * 4,
      );
  return { width: image.height, height: image.width, data: out };
}

/** Coverage (0..1) of a mask in one colour. */
function tint(mask: { width: number; height: number; coverage: Float32Array }, colour: number[]): Raster {
  const data = new Float32Array(mask.width * mask.height * 4);
  mask.coverage.forEach((a, p) => {
    for (let c = 0; c < 4; c++) data[p * 4 + c] = colour[c] * a;
  });
  return { width: mask.width, height: mask.height, data };
}

/** Glyphs are drawn this tall, then scaled down: many samples per final pixel make smooth edges. */
const MASTER = 256;
let font: Font | undefined;

/** The initial's glyph, cropped to its outline, or a dot when there is none or the font cannot draw it. */
function initialMask(initial?: string): { width: number; height: number; coverage: Float32Array } {
  font ??= parseFont(
    toArrayBuffer(readFileSync(require.resolve('@fontsource/inter/files/inter-latin-700-normal.woff'))),
  );
  if (initial && font.charToGlyph(initial).index !== 0) {
    const path = font.getPath(initial, 0, 0, 1000);
    const box = path.getBoundingBox();
    const s = MASTER / (box.y2 - box.y1);
    const width = Math.max(1, Math.ceil((box.x2 - box.x1) * s));
    return { width, height: MASTER, coverage: fillPath(path.commands, width, MASTER, box.x1, box.y1, s) };
  }
  const coverage = new Float32Array(MASTER * MASTER);
  const r = MASTER / 2;
  for (let y = 0; y < MASTER; y++)
    for (let x = 0; x < MASTER; x++)
      coverage[y * MASTER + x] = (x + 0.5 - r) ** 2 + (y + 0.5 - r) ** 2 <= r * r ? 1 : 0;
  return { width: MASTER, height: MASTER, coverage };
}

function toArrayBuffer(b: Buffer): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/**
 * Fills an outline (nonzero winding) into a width x height mask, one sample per pixel centre: the
 * outline is moved by (-x0, -y0) and scaled by s. Curves are flattened into short lines first.
 */
function fillPath(
  commands: PathCommand[],
  width: number,
  height: number,
  x0: number,
  y0: number,
  s: number,
): Float32Array {
  const edges: [number, number, number, number][] = [];
  const at = (x: number, y: number): [number, number] => [(x - x0) * s, (y - y0) * s];
  let [cx, cy] = [0, 0];
  let [sx, sy] = [0, 0];
  const lineTo = (x: number, y: number) => {
    edges.push([cx, cy, x, y]);
    [cx, cy] = [x, y];
  };
  const SEGMENTS = 16;
  for (const cmd of commands) {
    if (cmd.type === 'M') {
      [cx, cy] = at(cmd.x, cmd.y);
      [sx, sy] = [cx, cy];
    } else if (cmd.type === 'L') {
      lineTo(...at(cmd.x, cmd.y));
    } else if (cmd.type === 'Q' || cmd.type === 'C') {
      const [px, py] = [cx, cy];
      const [x1, y1] = at(cmd.x1, cmd.y1);
      const [x2, y2] = cmd.type === 'C' ? at(cmd.x2, cmd.y2) : [x1, y1];
      const [x, y] = at(cmd.x, cmd.y);
      for (let k = 1; k <= SEGMENTS; k++) {
        const t = k / SEGMENTS;
        const u = 1 - t;
        if (cmd.type === 'Q') lineTo(u * u * px + 2 * u * t * x1 + t * t * x, u * u * py + 2 * u * t * y1 + t * t * y);
        else
          lineTo(
            u * u * u * px + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t * t * t * x,
            u * u * u * py + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t * t * t * y,
          );
      }
    } else if (cmd.type === 'Z') {
      lineTo(sx, sy);
    }
  }
  const coverage = new Float32Array(width * height);
  for (let row = 0; row < height; row++) {
    const y = row + 0.5;
    const crossings: [number, number][] = [];
    for (const [ax, ay, bx, by] of edges) {
      if (ay === by || y < Math.min(ay, by) || y >= Math.max(ay, by)) continue;
      crossings.push([ax + ((y - ay) * (bx - ax)) / (by - ay), by > ay ? 1 : -1]);
    }
    crossings.sort((a, b) => a[0] - b[0]);
    let winding = 0;
    for (let k = 0; k < crossings.length - 1; k++) {
      winding += crossings[k][1];
      if (winding === 0) continue;
      const from = Math.max(0, Math.ceil(crossings[k][0] - 0.5));
      const to = Math.min(width, Math.ceil(crossings[k + 1][0] - 0.5));
      coverage.fill(1, row * width + from, row * width + to);
    }
  }
  return coverage;
}
