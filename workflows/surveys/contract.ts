// The surveys module's workflow contracts, the one file api/ may import (lint: api/ imports workflow contracts only).
export * from './responses-dispatch-contract';
