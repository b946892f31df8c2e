// Preload for worker threads when running from TypeScript sources under tsx on Node 20:
// tsx registers its loader on the main thread only there (tsx issue #354).
import { register } from 'tsx/esm/api'
register()
