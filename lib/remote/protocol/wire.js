/*eslint-disable block-scoped-var, id-length, no-control-regex, no-magic-numbers, no-mixed-operators, no-prototype-builtins, no-redeclare, no-shadow, no-var, sort-vars, default-case, jsdoc/require-param*/
import $protobuf from "protobufjs/minimal.js";

// Common aliases
const $Reader = $protobuf.Reader, $Writer = $protobuf.Writer, $util = $protobuf.util;
const $Object = $util.global.Object, $undefined = $util.global.undefined, $Error = $util.global.Error, $RangeError = $util.global.RangeError;

// Exported root namespace
const $root = $protobuf.roots["default"] || ($protobuf.roots["default"] = {});

export const coerce = $root.coerce = (() => {

    /**
     * Namespace coerce.
     * @exports coerce
     * @namespace
     */
    const coerce = {};

    coerce.wire = (function() {

        /**
         * Namespace wire.
         * @memberof coerce
         * @namespace
         */
        const wire = {};

        wire.NodeId = (function() {

            /**
             * Properties of a NodeId.
             * @typedef {Object} coerce.wire.NodeId.$Properties
             * @property {string|null} [id] NodeId id
             * @property {number|null} [incarnation] NodeId incarnation
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a NodeId.
             * @memberof coerce.wire
             * @interface INodeId
             * @augments coerce.wire.NodeId.$Properties
             * @deprecated Use coerce.wire.NodeId.$Properties instead.
             */

            /**
             * Shape of a NodeId.
             * @typedef {coerce.wire.NodeId.$Properties} coerce.wire.NodeId.$Shape
             */

            /**
             * Constructs a new NodeId.
             * @memberof coerce.wire
             * @classdesc Represents a NodeId.
             * @constructor
             * @param {coerce.wire.NodeId.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const NodeId = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * NodeId id.
             * @member {string} id
             * @memberof coerce.wire.NodeId
             * @instance
             */
            NodeId.prototype.id = "";

            /**
             * NodeId incarnation.
             * @member {number} incarnation
             * @memberof coerce.wire.NodeId
             * @instance
             */
            NodeId.prototype.incarnation = 0;

            /**
             * Encodes the specified NodeId message. Does not implicitly {@link coerce.wire.NodeId.verify|verify} messages.
             * @function encode
             * @memberof coerce.wire.NodeId
             * @static
             * @param {coerce.wire.NodeId.$Properties} message NodeId message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            NodeId.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.id != null && $Object.hasOwnProperty.call(message, "id") && message.id !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.id);
                if (message.incarnation != null && $Object.hasOwnProperty.call(message, "incarnation") && message.incarnation !== 0)
                    writer.uint32(/* id 2, wireType 0 =*/16).uint32(message.incarnation);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a NodeId message from the specified reader or buffer.
             * @function decode
             * @memberof coerce.wire.NodeId
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {coerce.wire.NodeId & coerce.wire.NodeId.$Shape} NodeId
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            NodeId.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.coerce.wire.NodeId();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.id = value;
                            else
                                delete message.id;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.incarnation = value;
                            else
                                delete message.incarnation;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return NodeId;
        })();

        /**
         * Lane enum.
         * @name coerce.wire.Lane
         * @enum {number}
         * @property {number} SYSTEM=0 SYSTEM value
         * @property {number} USER=1 USER value
         */
        wire.Lane = (function() {
            const valuesById = $Object.create(null), values = $Object.create(valuesById);
            values[valuesById[0] = "SYSTEM"] = 0;
            values[valuesById[1] = "USER"] = 1;
            return values;
        })();

        wire.Handshake = (function() {

            /**
             * Properties of a Handshake.
             * @typedef {Object} coerce.wire.Handshake.$Properties
             * @property {number|null} [protocolVersion] Handshake protocolVersion
             * @property {coerce.wire.NodeId.$Properties|null} [node] Handshake node
             * @property {string|null} [advertise] Handshake advertise
             * @property {number|null} [startedAt] Handshake startedAt
             * @property {coerce.wire.Lane|null} [lane] Handshake lane
             * @property {number|null} [timestamp] Handshake timestamp
             * @property {Uint8Array|null} [token] Handshake token
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Handshake.
             * @memberof coerce.wire
             * @interface IHandshake
             * @augments coerce.wire.Handshake.$Properties
             * @deprecated Use coerce.wire.Handshake.$Properties instead.
             */

            /**
             * Shape of a Handshake.
             * @typedef {coerce.wire.Handshake.$Properties} coerce.wire.Handshake.$Shape
             */

            /**
             * Constructs a new Handshake.
             * @memberof coerce.wire
             * @classdesc Represents a Handshake.
             * @constructor
             * @param {coerce.wire.Handshake.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Handshake = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Handshake protocolVersion.
             * @member {number} protocolVersion
             * @memberof coerce.wire.Handshake
             * @instance
             */
            Handshake.prototype.protocolVersion = 0;

            /**
             * Handshake node.
             * @member {coerce.wire.NodeId.$Properties|null|undefined} node
             * @memberof coerce.wire.Handshake
             * @instance
             */
            Handshake.prototype.node = null;

            /**
             * Handshake advertise.
             * @member {string} advertise
             * @memberof coerce.wire.Handshake
             * @instance
             */
            Handshake.prototype.advertise = "";

            /**
             * Handshake startedAt.
             * @member {number} startedAt
             * @memberof coerce.wire.Handshake
             * @instance
             */
            Handshake.prototype.startedAt = 0;

            /**
             * Handshake lane.
             * @member {coerce.wire.Lane} lane
             * @memberof coerce.wire.Handshake
             * @instance
             */
            Handshake.prototype.lane = 0;

            /**
             * Handshake timestamp.
             * @member {number} timestamp
             * @memberof coerce.wire.Handshake
             * @instance
             */
            Handshake.prototype.timestamp = 0;

            /**
             * Handshake token.
             * @member {Uint8Array} token
             * @memberof coerce.wire.Handshake
             * @instance
             */
            Handshake.prototype.token = $util.newBuffer([]);

            /**
             * Encodes the specified Handshake message. Does not implicitly {@link coerce.wire.Handshake.verify|verify} messages.
             * @function encode
             * @memberof coerce.wire.Handshake
             * @static
             * @param {coerce.wire.Handshake.$Properties} message Handshake message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Handshake.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.protocolVersion != null && $Object.hasOwnProperty.call(message, "protocolVersion") && message.protocolVersion !== 0)
                    writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.protocolVersion);
                if (message.node != null && $Object.hasOwnProperty.call(message, "node"))
                    $root.coerce.wire.NodeId.encode(message.node, writer.uint32(/* id 2, wireType 2 =*/18).fork(), _depth + 1).ldelim();
                if (message.advertise != null && $Object.hasOwnProperty.call(message, "advertise") && message.advertise !== "")
                    writer.uint32(/* id 3, wireType 2 =*/26).string(message.advertise);
                if (message.startedAt != null && $Object.hasOwnProperty.call(message, "startedAt") && !$Object.is(message.startedAt, 0))
                    writer.uint32(/* id 4, wireType 1 =*/33).double(message.startedAt);
                if (message.lane != null && $Object.hasOwnProperty.call(message, "lane") && message.lane !== 0)
                    writer.uint32(/* id 5, wireType 0 =*/40).int32(message.lane);
                if (message.timestamp != null && $Object.hasOwnProperty.call(message, "timestamp") && !$Object.is(message.timestamp, 0))
                    writer.uint32(/* id 6, wireType 1 =*/49).double(message.timestamp);
                if (message.token != null && $Object.hasOwnProperty.call(message, "token") && message.token.length)
                    writer.uint32(/* id 7, wireType 2 =*/58).bytes(message.token);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Handshake message from the specified reader or buffer.
             * @function decode
             * @memberof coerce.wire.Handshake
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {coerce.wire.Handshake & coerce.wire.Handshake.$Shape} Handshake
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Handshake.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.coerce.wire.Handshake();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.protocolVersion = value;
                            else
                                delete message.protocolVersion;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            message.node = $root.coerce.wire.NodeId.decode(reader, reader.size(), $undefined, _depth + 1, message.node);
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.advertise = value;
                            else
                                delete message.advertise;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 1)
                                break;
                            if (!$Object.is(value = reader.double(), 0))
                                message.startedAt = value;
                            else
                                delete message.startedAt;
                            continue;
                        }
                    case 5: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.lane = value;
                            else
                                delete message.lane;
                            continue;
                        }
                    case 6: {
                            if (wireType !== 1)
                                break;
                            if (!$Object.is(value = reader.double(), 0))
                                message.timestamp = value;
                            else
                                delete message.timestamp;
                            continue;
                        }
                    case 7: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.bytes()).length)
                                message.token = value;
                            else
                                delete message.token;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Handshake;
        })();

        wire.Heartbeat = (function() {

            /**
             * Properties of a Heartbeat.
             * @typedef {Object} coerce.wire.Heartbeat.$Properties
             * @property {number|null} [seq] Heartbeat seq
             * @property {number|null} [sentAt] Heartbeat sentAt
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Heartbeat.
             * @memberof coerce.wire
             * @interface IHeartbeat
             * @augments coerce.wire.Heartbeat.$Properties
             * @deprecated Use coerce.wire.Heartbeat.$Properties instead.
             */

            /**
             * Shape of a Heartbeat.
             * @typedef {coerce.wire.Heartbeat.$Properties} coerce.wire.Heartbeat.$Shape
             */

            /**
             * Constructs a new Heartbeat.
             * @memberof coerce.wire
             * @classdesc Represents a Heartbeat.
             * @constructor
             * @param {coerce.wire.Heartbeat.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Heartbeat = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Heartbeat seq.
             * @member {number} seq
             * @memberof coerce.wire.Heartbeat
             * @instance
             */
            Heartbeat.prototype.seq = 0;

            /**
             * Heartbeat sentAt.
             * @member {number} sentAt
             * @memberof coerce.wire.Heartbeat
             * @instance
             */
            Heartbeat.prototype.sentAt = 0;

            /**
             * Encodes the specified Heartbeat message. Does not implicitly {@link coerce.wire.Heartbeat.verify|verify} messages.
             * @function encode
             * @memberof coerce.wire.Heartbeat
             * @static
             * @param {coerce.wire.Heartbeat.$Properties} message Heartbeat message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Heartbeat.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.seq != null && $Object.hasOwnProperty.call(message, "seq") && message.seq !== 0)
                    writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.seq);
                if (message.sentAt != null && $Object.hasOwnProperty.call(message, "sentAt") && !$Object.is(message.sentAt, 0))
                    writer.uint32(/* id 2, wireType 1 =*/17).double(message.sentAt);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Heartbeat message from the specified reader or buffer.
             * @function decode
             * @memberof coerce.wire.Heartbeat
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {coerce.wire.Heartbeat & coerce.wire.Heartbeat.$Shape} Heartbeat
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Heartbeat.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.coerce.wire.Heartbeat();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.seq = value;
                            else
                                delete message.seq;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 1)
                                break;
                            if (!$Object.is(value = reader.double(), 0))
                                message.sentAt = value;
                            else
                                delete message.sentAt;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Heartbeat;
        })();

        wire.HeartbeatAck = (function() {

            /**
             * Properties of a HeartbeatAck.
             * @typedef {Object} coerce.wire.HeartbeatAck.$Properties
             * @property {number|null} [seq] HeartbeatAck seq
             * @property {number|null} [sentAt] HeartbeatAck sentAt
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a HeartbeatAck.
             * @memberof coerce.wire
             * @interface IHeartbeatAck
             * @augments coerce.wire.HeartbeatAck.$Properties
             * @deprecated Use coerce.wire.HeartbeatAck.$Properties instead.
             */

            /**
             * Shape of a HeartbeatAck.
             * @typedef {coerce.wire.HeartbeatAck.$Properties} coerce.wire.HeartbeatAck.$Shape
             */

            /**
             * Constructs a new HeartbeatAck.
             * @memberof coerce.wire
             * @classdesc Represents a HeartbeatAck.
             * @constructor
             * @param {coerce.wire.HeartbeatAck.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const HeartbeatAck = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * HeartbeatAck seq.
             * @member {number} seq
             * @memberof coerce.wire.HeartbeatAck
             * @instance
             */
            HeartbeatAck.prototype.seq = 0;

            /**
             * HeartbeatAck sentAt.
             * @member {number} sentAt
             * @memberof coerce.wire.HeartbeatAck
             * @instance
             */
            HeartbeatAck.prototype.sentAt = 0;

            /**
             * Encodes the specified HeartbeatAck message. Does not implicitly {@link coerce.wire.HeartbeatAck.verify|verify} messages.
             * @function encode
             * @memberof coerce.wire.HeartbeatAck
             * @static
             * @param {coerce.wire.HeartbeatAck.$Properties} message HeartbeatAck message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            HeartbeatAck.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.seq != null && $Object.hasOwnProperty.call(message, "seq") && message.seq !== 0)
                    writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.seq);
                if (message.sentAt != null && $Object.hasOwnProperty.call(message, "sentAt") && !$Object.is(message.sentAt, 0))
                    writer.uint32(/* id 2, wireType 1 =*/17).double(message.sentAt);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a HeartbeatAck message from the specified reader or buffer.
             * @function decode
             * @memberof coerce.wire.HeartbeatAck
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {coerce.wire.HeartbeatAck & coerce.wire.HeartbeatAck.$Shape} HeartbeatAck
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            HeartbeatAck.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.coerce.wire.HeartbeatAck();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.seq = value;
                            else
                                delete message.seq;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 1)
                                break;
                            if (!$Object.is(value = reader.double(), 0))
                                message.sentAt = value;
                            else
                                delete message.sentAt;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return HeartbeatAck;
        })();

        /**
         * MemberStatus enum.
         * @name coerce.wire.MemberStatus
         * @enum {number}
         * @property {number} JOINING=0 JOINING value
         * @property {number} UP=1 UP value
         * @property {number} LEAVING=2 LEAVING value
         * @property {number} DOWN=3 DOWN value
         * @property {number} REMOVED=4 REMOVED value
         */
        wire.MemberStatus = (function() {
            const valuesById = $Object.create(null), values = $Object.create(valuesById);
            values[valuesById[0] = "JOINING"] = 0;
            values[valuesById[1] = "UP"] = 1;
            values[valuesById[2] = "LEAVING"] = 2;
            values[valuesById[3] = "DOWN"] = 3;
            values[valuesById[4] = "REMOVED"] = 4;
            return values;
        })();

        wire.Member = (function() {

            /**
             * Properties of a Member.
             * @typedef {Object} coerce.wire.Member.$Properties
             * @property {coerce.wire.NodeId.$Properties|null} [node] Member node
             * @property {string|null} [advertise] Member advertise
             * @property {coerce.wire.MemberStatus|null} [status] Member status
             * @property {number|null} [startedAt] Member startedAt
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Member.
             * @memberof coerce.wire
             * @interface IMember
             * @augments coerce.wire.Member.$Properties
             * @deprecated Use coerce.wire.Member.$Properties instead.
             */

            /**
             * Shape of a Member.
             * @typedef {coerce.wire.Member.$Properties} coerce.wire.Member.$Shape
             */

            /**
             * Constructs a new Member.
             * @memberof coerce.wire
             * @classdesc Represents a Member.
             * @constructor
             * @param {coerce.wire.Member.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Member = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Member node.
             * @member {coerce.wire.NodeId.$Properties|null|undefined} node
             * @memberof coerce.wire.Member
             * @instance
             */
            Member.prototype.node = null;

            /**
             * Member advertise.
             * @member {string} advertise
             * @memberof coerce.wire.Member
             * @instance
             */
            Member.prototype.advertise = "";

            /**
             * Member status.
             * @member {coerce.wire.MemberStatus} status
             * @memberof coerce.wire.Member
             * @instance
             */
            Member.prototype.status = 0;

            /**
             * Member startedAt.
             * @member {number} startedAt
             * @memberof coerce.wire.Member
             * @instance
             */
            Member.prototype.startedAt = 0;

            /**
             * Encodes the specified Member message. Does not implicitly {@link coerce.wire.Member.verify|verify} messages.
             * @function encode
             * @memberof coerce.wire.Member
             * @static
             * @param {coerce.wire.Member.$Properties} message Member message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Member.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.node != null && $Object.hasOwnProperty.call(message, "node"))
                    $root.coerce.wire.NodeId.encode(message.node, writer.uint32(/* id 1, wireType 2 =*/10).fork(), _depth + 1).ldelim();
                if (message.advertise != null && $Object.hasOwnProperty.call(message, "advertise") && message.advertise !== "")
                    writer.uint32(/* id 2, wireType 2 =*/18).string(message.advertise);
                if (message.status != null && $Object.hasOwnProperty.call(message, "status") && message.status !== 0)
                    writer.uint32(/* id 3, wireType 0 =*/24).int32(message.status);
                if (message.startedAt != null && $Object.hasOwnProperty.call(message, "startedAt") && !$Object.is(message.startedAt, 0))
                    writer.uint32(/* id 4, wireType 1 =*/33).double(message.startedAt);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Member message from the specified reader or buffer.
             * @function decode
             * @memberof coerce.wire.Member
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {coerce.wire.Member & coerce.wire.Member.$Shape} Member
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Member.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.coerce.wire.Member();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            message.node = $root.coerce.wire.NodeId.decode(reader, reader.size(), $undefined, _depth + 1, message.node);
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.advertise = value;
                            else
                                delete message.advertise;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.status = value;
                            else
                                delete message.status;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 1)
                                break;
                            if (!$Object.is(value = reader.double(), 0))
                                message.startedAt = value;
                            else
                                delete message.startedAt;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Member;
        })();

        wire.Gossip = (function() {

            /**
             * Properties of a Gossip.
             * @typedef {Object} coerce.wire.Gossip.$Properties
             * @property {Array.<coerce.wire.Member.$Properties>|null} [members] Gossip members
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Gossip.
             * @memberof coerce.wire
             * @interface IGossip
             * @augments coerce.wire.Gossip.$Properties
             * @deprecated Use coerce.wire.Gossip.$Properties instead.
             */

            /**
             * Shape of a Gossip.
             * @typedef {coerce.wire.Gossip.$Properties} coerce.wire.Gossip.$Shape
             */

            /**
             * Constructs a new Gossip.
             * @memberof coerce.wire
             * @classdesc Represents a Gossip.
             * @constructor
             * @param {coerce.wire.Gossip.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Gossip = function (properties) {
                this.members = [];
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Gossip members.
             * @member {Array.<coerce.wire.Member.$Properties>} members
             * @memberof coerce.wire.Gossip
             * @instance
             */
            Gossip.prototype.members = $util.emptyArray;

            /**
             * Encodes the specified Gossip message. Does not implicitly {@link coerce.wire.Gossip.verify|verify} messages.
             * @function encode
             * @memberof coerce.wire.Gossip
             * @static
             * @param {coerce.wire.Gossip.$Properties} message Gossip message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Gossip.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.members != null && message.members.length)
                    for (let i = 0; i < message.members.length; ++i)
                        $root.coerce.wire.Member.encode(message.members[i], writer.uint32(/* id 1, wireType 2 =*/10).fork(), _depth + 1).ldelim();
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Gossip message from the specified reader or buffer.
             * @function decode
             * @memberof coerce.wire.Gossip
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {coerce.wire.Gossip & coerce.wire.Gossip.$Shape} Gossip
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Gossip.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.coerce.wire.Gossip();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if (!(message.members && message.members.length))
                                message.members = [];
                            message.members.push($root.coerce.wire.Member.decode(reader, reader.size(), $undefined, _depth + 1));
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Gossip;
        })();

        wire.Envelope = (function() {

            /**
             * Properties of an Envelope.
             * @typedef {Object} coerce.wire.Envelope.$Properties
             * @property {number|null} [kind] Envelope kind
             * @property {number|null} [originThread] Envelope originThread
             * @property {number|null} [targetThread] Envelope targetThread
             * @property {number|null} [requestId] Envelope requestId
             * @property {Uint8Array|null} [payload] Envelope payload
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of an Envelope.
             * @memberof coerce.wire
             * @interface IEnvelope
             * @augments coerce.wire.Envelope.$Properties
             * @deprecated Use coerce.wire.Envelope.$Properties instead.
             */

            /**
             * Shape of an Envelope.
             * @typedef {coerce.wire.Envelope.$Properties} coerce.wire.Envelope.$Shape
             */

            /**
             * Constructs a new Envelope.
             * @memberof coerce.wire
             * @classdesc Represents an Envelope.
             * @constructor
             * @param {coerce.wire.Envelope.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Envelope = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Envelope kind.
             * @member {number} kind
             * @memberof coerce.wire.Envelope
             * @instance
             */
            Envelope.prototype.kind = 0;

            /**
             * Envelope originThread.
             * @member {number} originThread
             * @memberof coerce.wire.Envelope
             * @instance
             */
            Envelope.prototype.originThread = 0;

            /**
             * Envelope targetThread.
             * @member {number} targetThread
             * @memberof coerce.wire.Envelope
             * @instance
             */
            Envelope.prototype.targetThread = 0;

            /**
             * Envelope requestId.
             * @member {number} requestId
             * @memberof coerce.wire.Envelope
             * @instance
             */
            Envelope.prototype.requestId = 0;

            /**
             * Envelope payload.
             * @member {Uint8Array} payload
             * @memberof coerce.wire.Envelope
             * @instance
             */
            Envelope.prototype.payload = $util.newBuffer([]);

            /**
             * Encodes the specified Envelope message. Does not implicitly {@link coerce.wire.Envelope.verify|verify} messages.
             * @function encode
             * @memberof coerce.wire.Envelope
             * @static
             * @param {coerce.wire.Envelope.$Properties} message Envelope message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Envelope.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.kind != null && $Object.hasOwnProperty.call(message, "kind") && message.kind !== 0)
                    writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.kind);
                if (message.originThread != null && $Object.hasOwnProperty.call(message, "originThread") && message.originThread !== 0)
                    writer.uint32(/* id 2, wireType 0 =*/16).uint32(message.originThread);
                if (message.targetThread != null && $Object.hasOwnProperty.call(message, "targetThread") && message.targetThread !== 0)
                    writer.uint32(/* id 3, wireType 0 =*/24).uint32(message.targetThread);
                if (message.requestId != null && $Object.hasOwnProperty.call(message, "requestId") && message.requestId !== 0)
                    writer.uint32(/* id 4, wireType 0 =*/32).uint32(message.requestId);
                if (message.payload != null && $Object.hasOwnProperty.call(message, "payload") && message.payload.length)
                    writer.uint32(/* id 5, wireType 2 =*/42).bytes(message.payload);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes an Envelope message from the specified reader or buffer.
             * @function decode
             * @memberof coerce.wire.Envelope
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {coerce.wire.Envelope & coerce.wire.Envelope.$Shape} Envelope
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Envelope.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.coerce.wire.Envelope();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.kind = value;
                            else
                                delete message.kind;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.originThread = value;
                            else
                                delete message.originThread;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.targetThread = value;
                            else
                                delete message.targetThread;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.requestId = value;
                            else
                                delete message.requestId;
                            continue;
                        }
                    case 5: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.bytes()).length)
                                message.payload = value;
                            else
                                delete message.payload;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Envelope;
        })();

        wire.Batch = (function() {

            /**
             * Properties of a Batch.
             * @typedef {Object} coerce.wire.Batch.$Properties
             * @property {Array.<coerce.wire.Envelope.$Properties>|null} [envelopes] Batch envelopes
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Batch.
             * @memberof coerce.wire
             * @interface IBatch
             * @augments coerce.wire.Batch.$Properties
             * @deprecated Use coerce.wire.Batch.$Properties instead.
             */

            /**
             * Shape of a Batch.
             * @typedef {coerce.wire.Batch.$Properties} coerce.wire.Batch.$Shape
             */

            /**
             * Constructs a new Batch.
             * @memberof coerce.wire
             * @classdesc Represents a Batch.
             * @constructor
             * @param {coerce.wire.Batch.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Batch = function (properties) {
                this.envelopes = [];
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Batch envelopes.
             * @member {Array.<coerce.wire.Envelope.$Properties>} envelopes
             * @memberof coerce.wire.Batch
             * @instance
             */
            Batch.prototype.envelopes = $util.emptyArray;

            /**
             * Encodes the specified Batch message. Does not implicitly {@link coerce.wire.Batch.verify|verify} messages.
             * @function encode
             * @memberof coerce.wire.Batch
             * @static
             * @param {coerce.wire.Batch.$Properties} message Batch message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Batch.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.envelopes != null && message.envelopes.length)
                    for (let i = 0; i < message.envelopes.length; ++i)
                        $root.coerce.wire.Envelope.encode(message.envelopes[i], writer.uint32(/* id 1, wireType 2 =*/10).fork(), _depth + 1).ldelim();
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Batch message from the specified reader or buffer.
             * @function decode
             * @memberof coerce.wire.Batch
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {coerce.wire.Batch & coerce.wire.Batch.$Shape} Batch
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Batch.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.coerce.wire.Batch();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if (!(message.envelopes && message.envelopes.length))
                                message.envelopes = [];
                            message.envelopes.push($root.coerce.wire.Envelope.decode(reader, reader.size(), $undefined, _depth + 1));
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Batch;
        })();

        /**
         * CloseCode enum.
         * @name coerce.wire.CloseCode
         * @enum {number}
         * @property {number} NORMAL=0 NORMAL value
         * @property {number} AUTH_FAILED=1 AUTH_FAILED value
         * @property {number} INCOMPATIBLE_PROTOCOL=2 INCOMPATIBLE_PROTOCOL value
         * @property {number} MALFORMED=3 MALFORMED value
         * @property {number} TOO_LARGE=4 TOO_LARGE value
         * @property {number} REMOVED=5 REMOVED value
         * @property {number} DUPLICATE=6 DUPLICATE value
         */
        wire.CloseCode = (function() {
            const valuesById = $Object.create(null), values = $Object.create(valuesById);
            values[valuesById[0] = "NORMAL"] = 0;
            values[valuesById[1] = "AUTH_FAILED"] = 1;
            values[valuesById[2] = "INCOMPATIBLE_PROTOCOL"] = 2;
            values[valuesById[3] = "MALFORMED"] = 3;
            values[valuesById[4] = "TOO_LARGE"] = 4;
            values[valuesById[5] = "REMOVED"] = 5;
            values[valuesById[6] = "DUPLICATE"] = 6;
            return values;
        })();

        wire.Close = (function() {

            /**
             * Properties of a Close.
             * @typedef {Object} coerce.wire.Close.$Properties
             * @property {coerce.wire.CloseCode|null} [code] Close code
             * @property {string|null} [reason] Close reason
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Close.
             * @memberof coerce.wire
             * @interface IClose
             * @augments coerce.wire.Close.$Properties
             * @deprecated Use coerce.wire.Close.$Properties instead.
             */

            /**
             * Shape of a Close.
             * @typedef {coerce.wire.Close.$Properties} coerce.wire.Close.$Shape
             */

            /**
             * Constructs a new Close.
             * @memberof coerce.wire
             * @classdesc Represents a Close.
             * @constructor
             * @param {coerce.wire.Close.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Close = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Close code.
             * @member {coerce.wire.CloseCode} code
             * @memberof coerce.wire.Close
             * @instance
             */
            Close.prototype.code = 0;

            /**
             * Close reason.
             * @member {string} reason
             * @memberof coerce.wire.Close
             * @instance
             */
            Close.prototype.reason = "";

            /**
             * Encodes the specified Close message. Does not implicitly {@link coerce.wire.Close.verify|verify} messages.
             * @function encode
             * @memberof coerce.wire.Close
             * @static
             * @param {coerce.wire.Close.$Properties} message Close message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Close.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.code != null && $Object.hasOwnProperty.call(message, "code") && message.code !== 0)
                    writer.uint32(/* id 1, wireType 0 =*/8).int32(message.code);
                if (message.reason != null && $Object.hasOwnProperty.call(message, "reason") && message.reason !== "")
                    writer.uint32(/* id 2, wireType 2 =*/18).string(message.reason);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Close message from the specified reader or buffer.
             * @function decode
             * @memberof coerce.wire.Close
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {coerce.wire.Close & coerce.wire.Close.$Shape} Close
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Close.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.coerce.wire.Close();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.code = value;
                            else
                                delete message.code;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.reason = value;
                            else
                                delete message.reason;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Close;
        })();

        wire.Leave = (function() {

            /**
             * Properties of a Leave.
             * @typedef {Object} coerce.wire.Leave.$Properties
             * @property {coerce.wire.NodeId.$Properties|null} [node] Leave node
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Leave.
             * @memberof coerce.wire
             * @interface ILeave
             * @augments coerce.wire.Leave.$Properties
             * @deprecated Use coerce.wire.Leave.$Properties instead.
             */

            /**
             * Shape of a Leave.
             * @typedef {coerce.wire.Leave.$Properties} coerce.wire.Leave.$Shape
             */

            /**
             * Constructs a new Leave.
             * @memberof coerce.wire
             * @classdesc Represents a Leave.
             * @constructor
             * @param {coerce.wire.Leave.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Leave = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Leave node.
             * @member {coerce.wire.NodeId.$Properties|null|undefined} node
             * @memberof coerce.wire.Leave
             * @instance
             */
            Leave.prototype.node = null;

            /**
             * Encodes the specified Leave message. Does not implicitly {@link coerce.wire.Leave.verify|verify} messages.
             * @function encode
             * @memberof coerce.wire.Leave
             * @static
             * @param {coerce.wire.Leave.$Properties} message Leave message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Leave.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.node != null && $Object.hasOwnProperty.call(message, "node"))
                    $root.coerce.wire.NodeId.encode(message.node, writer.uint32(/* id 1, wireType 2 =*/10).fork(), _depth + 1).ldelim();
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Leave message from the specified reader or buffer.
             * @function decode
             * @memberof coerce.wire.Leave
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {coerce.wire.Leave & coerce.wire.Leave.$Shape} Leave
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Leave.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.coerce.wire.Leave();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            message.node = $root.coerce.wire.NodeId.decode(reader, reader.size(), $undefined, _depth + 1, message.node);
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Leave;
        })();

        wire.Frame = (function() {

            /**
             * Properties of a Frame.
             * @typedef {Object} coerce.wire.Frame.$Properties
             * @property {coerce.wire.Handshake.$Properties|null} [hello] Frame hello
             * @property {coerce.wire.Handshake.$Properties|null} [welcome] Frame welcome
             * @property {coerce.wire.Heartbeat.$Properties|null} [heartbeat] Frame heartbeat
             * @property {coerce.wire.HeartbeatAck.$Properties|null} [heartbeatAck] Frame heartbeatAck
             * @property {coerce.wire.Gossip.$Properties|null} [gossip] Frame gossip
             * @property {coerce.wire.Batch.$Properties|null} [batch] Frame batch
             * @property {coerce.wire.Close.$Properties|null} [close] Frame close
             * @property {coerce.wire.Leave.$Properties|null} [leave] Frame leave
             * @property {"hello"|"welcome"|"heartbeat"|"heartbeatAck"|"gossip"|"batch"|"close"|"leave"} [body] Frame body
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Frame.
             * @memberof coerce.wire
             * @interface IFrame
             * @augments coerce.wire.Frame.$Properties
             * @deprecated Use coerce.wire.Frame.$Properties instead.
             */

            /**
             * Narrowed shape of a Frame.
             * @typedef {{
             *   hello?: coerce.wire.Handshake.$Shape|null;
             *   welcome?: coerce.wire.Handshake.$Shape|null;
             *   heartbeat?: coerce.wire.Heartbeat.$Shape|null;
             *   heartbeatAck?: coerce.wire.HeartbeatAck.$Shape|null;
             *   gossip?: coerce.wire.Gossip.$Shape|null;
             *   batch?: coerce.wire.Batch.$Shape|null;
             *   close?: coerce.wire.Close.$Shape|null;
             *   leave?: coerce.wire.Leave.$Shape|null;
             *   $unknowns?: Array.<Uint8Array>;
             * } & (
             *   ({ body?: undefined; hello?: null; welcome?: null; heartbeat?: null; heartbeatAck?: null; gossip?: null; batch?: null; close?: null; leave?: null }|{ body?: "hello"; hello: coerce.wire.Handshake.$Shape; welcome?: null; heartbeat?: null; heartbeatAck?: null; gossip?: null; batch?: null; close?: null; leave?: null }|{ body?: "welcome"; hello?: null; welcome: coerce.wire.Handshake.$Shape; heartbeat?: null; heartbeatAck?: null; gossip?: null; batch?: null; close?: null; leave?: null }|{ body?: "heartbeat"; hello?: null; welcome?: null; heartbeat: coerce.wire.Heartbeat.$Shape; heartbeatAck?: null; gossip?: null; batch?: null; close?: null; leave?: null }|{ body?: "heartbeatAck"; hello?: null; welcome?: null; heartbeat?: null; heartbeatAck: coerce.wire.HeartbeatAck.$Shape; gossip?: null; batch?: null; close?: null; leave?: null }|{ body?: "gossip"; hello?: null; welcome?: null; heartbeat?: null; heartbeatAck?: null; gossip: coerce.wire.Gossip.$Shape; batch?: null; close?: null; leave?: null }|{ body?: "batch"; hello?: null; welcome?: null; heartbeat?: null; heartbeatAck?: null; gossip?: null; batch: coerce.wire.Batch.$Shape; close?: null; leave?: null }|{ body?: "close"; hello?: null; welcome?: null; heartbeat?: null; heartbeatAck?: null; gossip?: null; batch?: null; close: coerce.wire.Close.$Shape; leave?: null }|{ body?: "leave"; hello?: null; welcome?: null; heartbeat?: null; heartbeatAck?: null; gossip?: null; batch?: null; close?: null; leave: coerce.wire.Leave.$Shape })
             * )} coerce.wire.Frame.$Shape
             */

            /**
             * Constructs a new Frame.
             * @memberof coerce.wire
             * @classdesc Represents a Frame.
             * @constructor
             * @param {coerce.wire.Frame.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Frame = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Frame hello.
             * @member {coerce.wire.Handshake.$Properties|null|undefined} hello
             * @memberof coerce.wire.Frame
             * @instance
             */
            Frame.prototype.hello = null;

            /**
             * Frame welcome.
             * @member {coerce.wire.Handshake.$Properties|null|undefined} welcome
             * @memberof coerce.wire.Frame
             * @instance
             */
            Frame.prototype.welcome = null;

            /**
             * Frame heartbeat.
             * @member {coerce.wire.Heartbeat.$Properties|null|undefined} heartbeat
             * @memberof coerce.wire.Frame
             * @instance
             */
            Frame.prototype.heartbeat = null;

            /**
             * Frame heartbeatAck.
             * @member {coerce.wire.HeartbeatAck.$Properties|null|undefined} heartbeatAck
             * @memberof coerce.wire.Frame
             * @instance
             */
            Frame.prototype.heartbeatAck = null;

            /**
             * Frame gossip.
             * @member {coerce.wire.Gossip.$Properties|null|undefined} gossip
             * @memberof coerce.wire.Frame
             * @instance
             */
            Frame.prototype.gossip = null;

            /**
             * Frame batch.
             * @member {coerce.wire.Batch.$Properties|null|undefined} batch
             * @memberof coerce.wire.Frame
             * @instance
             */
            Frame.prototype.batch = null;

            /**
             * Frame close.
             * @member {coerce.wire.Close.$Properties|null|undefined} close
             * @memberof coerce.wire.Frame
             * @instance
             */
            Frame.prototype.close = null;

            /**
             * Frame leave.
             * @member {coerce.wire.Leave.$Properties|null|undefined} leave
             * @memberof coerce.wire.Frame
             * @instance
             */
            Frame.prototype.leave = null;

            // OneOf field names bound to virtual getters and setters
            let $oneOfFields;

            /**
             * Frame body.
             * @member {"hello"|"welcome"|"heartbeat"|"heartbeatAck"|"gossip"|"batch"|"close"|"leave"|undefined} body
             * @memberof coerce.wire.Frame
             * @instance
             */
            $Object.defineProperty(Frame.prototype, "body", {
                get: $util.oneOfGetter($oneOfFields = ["hello", "welcome", "heartbeat", "heartbeatAck", "gossip", "batch", "close", "leave"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            /**
             * Encodes the specified Frame message. Does not implicitly {@link coerce.wire.Frame.verify|verify} messages.
             * @function encode
             * @memberof coerce.wire.Frame
             * @static
             * @param {coerce.wire.Frame.$Properties} message Frame message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Frame.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.hello != null && $Object.hasOwnProperty.call(message, "hello"))
                    $root.coerce.wire.Handshake.encode(message.hello, writer.uint32(/* id 1, wireType 2 =*/10).fork(), _depth + 1).ldelim();
                if (message.welcome != null && $Object.hasOwnProperty.call(message, "welcome"))
                    $root.coerce.wire.Handshake.encode(message.welcome, writer.uint32(/* id 2, wireType 2 =*/18).fork(), _depth + 1).ldelim();
                if (message.heartbeat != null && $Object.hasOwnProperty.call(message, "heartbeat"))
                    $root.coerce.wire.Heartbeat.encode(message.heartbeat, writer.uint32(/* id 3, wireType 2 =*/26).fork(), _depth + 1).ldelim();
                if (message.heartbeatAck != null && $Object.hasOwnProperty.call(message, "heartbeatAck"))
                    $root.coerce.wire.HeartbeatAck.encode(message.heartbeatAck, writer.uint32(/* id 4, wireType 2 =*/34).fork(), _depth + 1).ldelim();
                if (message.gossip != null && $Object.hasOwnProperty.call(message, "gossip"))
                    $root.coerce.wire.Gossip.encode(message.gossip, writer.uint32(/* id 5, wireType 2 =*/42).fork(), _depth + 1).ldelim();
                if (message.batch != null && $Object.hasOwnProperty.call(message, "batch"))
                    $root.coerce.wire.Batch.encode(message.batch, writer.uint32(/* id 6, wireType 2 =*/50).fork(), _depth + 1).ldelim();
                if (message.close != null && $Object.hasOwnProperty.call(message, "close"))
                    $root.coerce.wire.Close.encode(message.close, writer.uint32(/* id 7, wireType 2 =*/58).fork(), _depth + 1).ldelim();
                if (message.leave != null && $Object.hasOwnProperty.call(message, "leave"))
                    $root.coerce.wire.Leave.encode(message.leave, writer.uint32(/* id 8, wireType 2 =*/66).fork(), _depth + 1).ldelim();
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Frame message from the specified reader or buffer.
             * @function decode
             * @memberof coerce.wire.Frame
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {coerce.wire.Frame & coerce.wire.Frame.$Shape} Frame
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Frame.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.coerce.wire.Frame();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            message.hello = $root.coerce.wire.Handshake.decode(reader, reader.size(), $undefined, _depth + 1, message.hello);
                            message.body = "hello";
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            message.welcome = $root.coerce.wire.Handshake.decode(reader, reader.size(), $undefined, _depth + 1, message.welcome);
                            message.body = "welcome";
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            message.heartbeat = $root.coerce.wire.Heartbeat.decode(reader, reader.size(), $undefined, _depth + 1, message.heartbeat);
                            message.body = "heartbeat";
                            continue;
                        }
                    case 4: {
                            if (wireType !== 2)
                                break;
                            message.heartbeatAck = $root.coerce.wire.HeartbeatAck.decode(reader, reader.size(), $undefined, _depth + 1, message.heartbeatAck);
                            message.body = "heartbeatAck";
                            continue;
                        }
                    case 5: {
                            if (wireType !== 2)
                                break;
                            message.gossip = $root.coerce.wire.Gossip.decode(reader, reader.size(), $undefined, _depth + 1, message.gossip);
                            message.body = "gossip";
                            continue;
                        }
                    case 6: {
                            if (wireType !== 2)
                                break;
                            message.batch = $root.coerce.wire.Batch.decode(reader, reader.size(), $undefined, _depth + 1, message.batch);
                            message.body = "batch";
                            continue;
                        }
                    case 7: {
                            if (wireType !== 2)
                                break;
                            message.close = $root.coerce.wire.Close.decode(reader, reader.size(), $undefined, _depth + 1, message.close);
                            message.body = "close";
                            continue;
                        }
                    case 8: {
                            if (wireType !== 2)
                                break;
                            message.leave = $root.coerce.wire.Leave.decode(reader, reader.size(), $undefined, _depth + 1, message.leave);
                            message.body = "leave";
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return Frame;
        })();

        return wire;
    })();

    return coerce;
})();

export {
  $root as default
};
