// The groups module's workflows, bundled by the worker: each part adds its `export * from './<file>'`.
export * from './booking';
export * from './hold';
