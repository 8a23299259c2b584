// The CRM module's workflows, bundled by the worker: each part adds its `export * from './<file>'`.
export * from './segment-refresh';
export * from './enrolment';
export * from './lapse';
export * from './schedule';
export * from './metrics-refresh';
export * from './campaign';
