/** Discovery as an extension of the actor core: `DiscoveryError` keeps its class across threads. */
import type { Extension } from '../../actor/extensions.js'
import { DiscoveryError } from './errors.js'

export const discoveryExtension: Extension = {
  name: 'discovery',
  errorClasses: [DiscoveryError],
}
