// fmin ships no types: the one function the LTV model uses.
declare module 'fmin' {
  export interface NelderMeadOptions {
    maxIterations?: number;
    nonZeroDelta?: number;
    zeroDelta?: number;
    minErrorDelta?: number;
    minTolerance?: number;
  }
  export function nelderMead(
    f: (x: number[]) => number,
    x0: number[],
    parameters?: NelderMeadOptions,
  ): { x: number[]; fx: number };
}
