/**
 * The generated protobuf code of the wire protocol (protocol/wire.proto), under short names.
 * Regenerate with `npm run proto` after editing the .proto; a test checks they agree.
 */
import { coerce } from './protocol/wire.js'

export const wire = coerce.wire
export type WireFrame = coerce.wire.Frame
export type WireHandshake = coerce.wire.IHandshake
export type WireMember = coerce.wire.IMember
export type WireEnvelope = coerce.wire.IEnvelope

/** Bumped on any change peers could misread; a mismatch closes the connection with a clear reason on both sides. */
export const PROTOCOL_VERSION = 1
export type WireFrameInit = coerce.wire.IFrame
