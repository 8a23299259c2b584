// The upsells module's workflows, bundled by the worker: each part adds its `export * from './<file>'`.
export * from './payment-expiry';
