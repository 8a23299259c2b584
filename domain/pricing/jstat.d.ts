// jstat ships no types: the distributions the price-test statistics use.
declare module 'jstat' {
  interface Continuous2 {
    pdf(x: number, a: number, b: number): number;
    cdf(x: number, a: number, b: number): number;
  }
  export const jStat: {
    beta: Continuous2;
    normal: Continuous2 & { cdf(x: number, mean: number, sd: number): number };
    studentt: { cdf(x: number, dof: number): number };
  };
}
