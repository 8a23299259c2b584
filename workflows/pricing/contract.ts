// The pricing module's workflow contracts, the one file api/ imports: each part re-exports its own.
export * from './price-test-contract';
