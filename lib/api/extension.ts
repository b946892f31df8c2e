/** The HTTP diagnostics API as an extension of the actor core (`ActorSystem.startHttpApi`, `http` option). */
import type { Extension } from '../actor/extensions.js'
import { ApiError } from './errors.js'
import { startHttpApi } from './server.js'

export const httpApiExtension: Extension = {
  name: 'http-api',
  httpApi: startHttpApi,
  errorClasses: [ApiError],
}
