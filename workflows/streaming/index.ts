// The streaming module's workflows, bundled by the worker: each part adds its `export * from './<file>'`.
export {};
export * from './streams';
