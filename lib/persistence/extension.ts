/**
 * Persistence as an extension of the actor core: the `persistence` system option (handed to
 * workers as configuration), `system.persistence` (event queries), and `PersistenceError`
 * keeping its class across threads.
 */
import type { Extension } from '../actor/extensions.js'
import { PersistenceError } from './errors.js'
import { persistenceOptionField } from './options.js'
import { persistenceQueries } from './queries.js'

export const persistenceExtension: Extension = {
  name: 'persistence',
  options: { persistence: persistenceOptionField },
  systemProperties: { persistence: persistenceQueries },
  errorClasses: [PersistenceError],
}
