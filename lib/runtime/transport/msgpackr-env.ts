/**
 * Imported before msgpackr by every module that decodes frames from shared memory. msgpackr's
 * native string extractor throws on SharedArrayBuffer-backed sources and falls back per message
 * (about 20x slower), and it decides at load time, so the switch must be set first.
 */
process.env['MSGPACKR_NATIVE_ACCELERATION_DISABLED'] ??= 'true'
