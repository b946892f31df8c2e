import * as $protobuf from "protobufjs";
import Long = require("long");

/** Namespace coerce. */
export namespace coerce {

    /** Namespace wire. */
    namespace wire {

        /**
         * Properties of a NodeId.
         * @deprecated Use coerce.wire.NodeId.$Properties instead.
         */
        interface INodeId extends coerce.wire.NodeId.$Properties {
        }

        /** Represents a NodeId. */
        class NodeId {

            /**
             * Constructs a new NodeId.
             * @param [properties] Properties to set
             */
            constructor(properties?: coerce.wire.NodeId.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** NodeId id. */
            id: string;

            /** NodeId incarnation. */
            incarnation: number;

            /**
             * Encodes the specified NodeId message. Does not implicitly {@link coerce.wire.NodeId.verify|verify} messages.
             * @param message NodeId message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: coerce.wire.NodeId.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a NodeId message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {coerce.wire.NodeId & coerce.wire.NodeId.$Shape} NodeId
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): coerce.wire.NodeId & coerce.wire.NodeId.$Shape;
        }

        namespace NodeId {

            /** Properties of a NodeId. */
            interface $Properties {

                /** NodeId id */
                id?: (string|null);

                /** NodeId incarnation */
                incarnation?: (number|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a NodeId. */
            type $Shape = coerce.wire.NodeId.$Properties;
        }

        /** Lane enum. */
        enum Lane {

            /** SYSTEM value */
            SYSTEM = 0,

            /** USER value */
            USER = 1
        }

        /**
         * Properties of a Handshake.
         * @deprecated Use coerce.wire.Handshake.$Properties instead.
         */
        interface IHandshake extends coerce.wire.Handshake.$Properties {
        }

        /** Represents a Handshake. */
        class Handshake {

            /**
             * Constructs a new Handshake.
             * @param [properties] Properties to set
             */
            constructor(properties?: coerce.wire.Handshake.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Handshake protocolVersion. */
            protocolVersion: number;

            /** Handshake node. */
            node?: (coerce.wire.NodeId.$Properties|null);

            /** Handshake advertise. */
            advertise: string;

            /** Handshake startedAt. */
            startedAt: number;

            /** Handshake lane. */
            lane: coerce.wire.Lane;

            /** Handshake timestamp. */
            timestamp: number;

            /** Handshake token. */
            token: Uint8Array;

            /**
             * Encodes the specified Handshake message. Does not implicitly {@link coerce.wire.Handshake.verify|verify} messages.
             * @param message Handshake message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: coerce.wire.Handshake.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Handshake message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {coerce.wire.Handshake & coerce.wire.Handshake.$Shape} Handshake
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): coerce.wire.Handshake & coerce.wire.Handshake.$Shape;
        }

        namespace Handshake {

            /** Properties of a Handshake. */
            interface $Properties {

                /** Handshake protocolVersion */
                protocolVersion?: (number|null);

                /** Handshake node */
                node?: (coerce.wire.NodeId.$Properties|null);

                /** Handshake advertise */
                advertise?: (string|null);

                /** Handshake startedAt */
                startedAt?: (number|null);

                /** Handshake lane */
                lane?: (coerce.wire.Lane|null);

                /** Handshake timestamp */
                timestamp?: (number|null);

                /** Handshake token */
                token?: (Uint8Array|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Handshake. */
            type $Shape = coerce.wire.Handshake.$Properties;
        }

        /**
         * Properties of a Heartbeat.
         * @deprecated Use coerce.wire.Heartbeat.$Properties instead.
         */
        interface IHeartbeat extends coerce.wire.Heartbeat.$Properties {
        }

        /** Represents a Heartbeat. */
        class Heartbeat {

            /**
             * Constructs a new Heartbeat.
             * @param [properties] Properties to set
             */
            constructor(properties?: coerce.wire.Heartbeat.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Heartbeat seq. */
            seq: number;

            /** Heartbeat sentAt. */
            sentAt: number;

            /**
             * Encodes the specified Heartbeat message. Does not implicitly {@link coerce.wire.Heartbeat.verify|verify} messages.
             * @param message Heartbeat message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: coerce.wire.Heartbeat.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Heartbeat message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {coerce.wire.Heartbeat & coerce.wire.Heartbeat.$Shape} Heartbeat
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): coerce.wire.Heartbeat & coerce.wire.Heartbeat.$Shape;
        }

        namespace Heartbeat {

            /** Properties of a Heartbeat. */
            interface $Properties {

                /** Heartbeat seq */
                seq?: (number|null);

                /** Heartbeat sentAt */
                sentAt?: (number|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Heartbeat. */
            type $Shape = coerce.wire.Heartbeat.$Properties;
        }

        /**
         * Properties of a HeartbeatAck.
         * @deprecated Use coerce.wire.HeartbeatAck.$Properties instead.
         */
        interface IHeartbeatAck extends coerce.wire.HeartbeatAck.$Properties {
        }

        /** Represents a HeartbeatAck. */
        class HeartbeatAck {

            /**
             * Constructs a new HeartbeatAck.
             * @param [properties] Properties to set
             */
            constructor(properties?: coerce.wire.HeartbeatAck.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** HeartbeatAck seq. */
            seq: number;

            /** HeartbeatAck sentAt. */
            sentAt: number;

            /**
             * Encodes the specified HeartbeatAck message. Does not implicitly {@link coerce.wire.HeartbeatAck.verify|verify} messages.
             * @param message HeartbeatAck message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: coerce.wire.HeartbeatAck.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a HeartbeatAck message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {coerce.wire.HeartbeatAck & coerce.wire.HeartbeatAck.$Shape} HeartbeatAck
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): coerce.wire.HeartbeatAck & coerce.wire.HeartbeatAck.$Shape;
        }

        namespace HeartbeatAck {

            /** Properties of a HeartbeatAck. */
            interface $Properties {

                /** HeartbeatAck seq */
                seq?: (number|null);

                /** HeartbeatAck sentAt */
                sentAt?: (number|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a HeartbeatAck. */
            type $Shape = coerce.wire.HeartbeatAck.$Properties;
        }

        /** MemberStatus enum. */
        enum MemberStatus {

            /** JOINING value */
            JOINING = 0,

            /** UP value */
            UP = 1,

            /** LEAVING value */
            LEAVING = 2,

            /** DOWN value */
            DOWN = 3,

            /** REMOVED value */
            REMOVED = 4
        }

        /**
         * Properties of a Member.
         * @deprecated Use coerce.wire.Member.$Properties instead.
         */
        interface IMember extends coerce.wire.Member.$Properties {
        }

        /** Represents a Member. */
        class Member {

            /**
             * Constructs a new Member.
             * @param [properties] Properties to set
             */
            constructor(properties?: coerce.wire.Member.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Member node. */
            node?: (coerce.wire.NodeId.$Properties|null);

            /** Member advertise. */
            advertise: string;

            /** Member status. */
            status: coerce.wire.MemberStatus;

            /** Member startedAt. */
            startedAt: number;

            /**
             * Encodes the specified Member message. Does not implicitly {@link coerce.wire.Member.verify|verify} messages.
             * @param message Member message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: coerce.wire.Member.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Member message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {coerce.wire.Member & coerce.wire.Member.$Shape} Member
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): coerce.wire.Member & coerce.wire.Member.$Shape;
        }

        namespace Member {

            /** Properties of a Member. */
            interface $Properties {

                /** Member node */
                node?: (coerce.wire.NodeId.$Properties|null);

                /** Member advertise */
                advertise?: (string|null);

                /** Member status */
                status?: (coerce.wire.MemberStatus|null);

                /** Member startedAt */
                startedAt?: (number|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Member. */
            type $Shape = coerce.wire.Member.$Properties;
        }

        /**
         * Properties of a Gossip.
         * @deprecated Use coerce.wire.Gossip.$Properties instead.
         */
        interface IGossip extends coerce.wire.Gossip.$Properties {
        }

        /** Represents a Gossip. */
        class Gossip {

            /**
             * Constructs a new Gossip.
             * @param [properties] Properties to set
             */
            constructor(properties?: coerce.wire.Gossip.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Gossip members. */
            members: coerce.wire.Member.$Properties[];

            /**
             * Encodes the specified Gossip message. Does not implicitly {@link coerce.wire.Gossip.verify|verify} messages.
             * @param message Gossip message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: coerce.wire.Gossip.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Gossip message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {coerce.wire.Gossip & coerce.wire.Gossip.$Shape} Gossip
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): coerce.wire.Gossip & coerce.wire.Gossip.$Shape;
        }

        namespace Gossip {

            /** Properties of a Gossip. */
            interface $Properties {

                /** Gossip members */
                members?: (coerce.wire.Member.$Properties[]|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Gossip. */
            type $Shape = coerce.wire.Gossip.$Properties;
        }

        /**
         * Properties of an Envelope.
         * @deprecated Use coerce.wire.Envelope.$Properties instead.
         */
        interface IEnvelope extends coerce.wire.Envelope.$Properties {
        }

        /** Represents an Envelope. */
        class Envelope {

            /**
             * Constructs a new Envelope.
             * @param [properties] Properties to set
             */
            constructor(properties?: coerce.wire.Envelope.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Envelope kind. */
            kind: number;

            /** Envelope originThread. */
            originThread: number;

            /** Envelope targetThread. */
            targetThread: number;

            /** Envelope requestId. */
            requestId: number;

            /** Envelope payload. */
            payload: Uint8Array;

            /**
             * Encodes the specified Envelope message. Does not implicitly {@link coerce.wire.Envelope.verify|verify} messages.
             * @param message Envelope message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: coerce.wire.Envelope.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an Envelope message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {coerce.wire.Envelope & coerce.wire.Envelope.$Shape} Envelope
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): coerce.wire.Envelope & coerce.wire.Envelope.$Shape;
        }

        namespace Envelope {

            /** Properties of an Envelope. */
            interface $Properties {

                /** Envelope kind */
                kind?: (number|null);

                /** Envelope originThread */
                originThread?: (number|null);

                /** Envelope targetThread */
                targetThread?: (number|null);

                /** Envelope requestId */
                requestId?: (number|null);

                /** Envelope payload */
                payload?: (Uint8Array|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of an Envelope. */
            type $Shape = coerce.wire.Envelope.$Properties;
        }

        /**
         * Properties of a Batch.
         * @deprecated Use coerce.wire.Batch.$Properties instead.
         */
        interface IBatch extends coerce.wire.Batch.$Properties {
        }

        /** Represents a Batch. */
        class Batch {

            /**
             * Constructs a new Batch.
             * @param [properties] Properties to set
             */
            constructor(properties?: coerce.wire.Batch.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Batch envelopes. */
            envelopes: coerce.wire.Envelope.$Properties[];

            /**
             * Encodes the specified Batch message. Does not implicitly {@link coerce.wire.Batch.verify|verify} messages.
             * @param message Batch message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: coerce.wire.Batch.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Batch message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {coerce.wire.Batch & coerce.wire.Batch.$Shape} Batch
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): coerce.wire.Batch & coerce.wire.Batch.$Shape;
        }

        namespace Batch {

            /** Properties of a Batch. */
            interface $Properties {

                /** Batch envelopes */
                envelopes?: (coerce.wire.Envelope.$Properties[]|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Batch. */
            type $Shape = coerce.wire.Batch.$Properties;
        }

        /** CloseCode enum. */
        enum CloseCode {

            /** NORMAL value */
            NORMAL = 0,

            /** AUTH_FAILED value */
            AUTH_FAILED = 1,

            /** INCOMPATIBLE_PROTOCOL value */
            INCOMPATIBLE_PROTOCOL = 2,

            /** MALFORMED value */
            MALFORMED = 3,

            /** TOO_LARGE value */
            TOO_LARGE = 4,

            /** REMOVED value */
            REMOVED = 5,

            /** DUPLICATE value */
            DUPLICATE = 6
        }

        /**
         * Properties of a Close.
         * @deprecated Use coerce.wire.Close.$Properties instead.
         */
        interface IClose extends coerce.wire.Close.$Properties {
        }

        /** Represents a Close. */
        class Close {

            /**
             * Constructs a new Close.
             * @param [properties] Properties to set
             */
            constructor(properties?: coerce.wire.Close.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Close code. */
            code: coerce.wire.CloseCode;

            /** Close reason. */
            reason: string;

            /**
             * Encodes the specified Close message. Does not implicitly {@link coerce.wire.Close.verify|verify} messages.
             * @param message Close message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: coerce.wire.Close.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Close message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {coerce.wire.Close & coerce.wire.Close.$Shape} Close
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): coerce.wire.Close & coerce.wire.Close.$Shape;
        }

        namespace Close {

            /** Properties of a Close. */
            interface $Properties {

                /** Close code */
                code?: (coerce.wire.CloseCode|null);

                /** Close reason */
                reason?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Close. */
            type $Shape = coerce.wire.Close.$Properties;
        }

        /**
         * Properties of a Leave.
         * @deprecated Use coerce.wire.Leave.$Properties instead.
         */
        interface ILeave extends coerce.wire.Leave.$Properties {
        }

        /** Represents a Leave. */
        class Leave {

            /**
             * Constructs a new Leave.
             * @param [properties] Properties to set
             */
            constructor(properties?: coerce.wire.Leave.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Leave node. */
            node?: (coerce.wire.NodeId.$Properties|null);

            /**
             * Encodes the specified Leave message. Does not implicitly {@link coerce.wire.Leave.verify|verify} messages.
             * @param message Leave message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: coerce.wire.Leave.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Leave message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {coerce.wire.Leave & coerce.wire.Leave.$Shape} Leave
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): coerce.wire.Leave & coerce.wire.Leave.$Shape;
        }

        namespace Leave {

            /** Properties of a Leave. */
            interface $Properties {

                /** Leave node */
                node?: (coerce.wire.NodeId.$Properties|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Leave. */
            type $Shape = coerce.wire.Leave.$Properties;
        }

        /**
         * Properties of a Frame.
         * @deprecated Use coerce.wire.Frame.$Properties instead.
         */
        interface IFrame extends coerce.wire.Frame.$Properties {
        }

        /** Represents a Frame. */
        class Frame {

            /**
             * Constructs a new Frame.
             * @param [properties] Properties to set
             */
            constructor(properties?: coerce.wire.Frame.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Frame hello. */
            hello?: (coerce.wire.Handshake.$Properties|null);

            /** Frame welcome. */
            welcome?: (coerce.wire.Handshake.$Properties|null);

            /** Frame heartbeat. */
            heartbeat?: (coerce.wire.Heartbeat.$Properties|null);

            /** Frame heartbeatAck. */
            heartbeatAck?: (coerce.wire.HeartbeatAck.$Properties|null);

            /** Frame gossip. */
            gossip?: (coerce.wire.Gossip.$Properties|null);

            /** Frame batch. */
            batch?: (coerce.wire.Batch.$Properties|null);

            /** Frame close. */
            close?: (coerce.wire.Close.$Properties|null);

            /** Frame leave. */
            leave?: (coerce.wire.Leave.$Properties|null);

            /** Frame body. */
            body?: ("hello"|"welcome"|"heartbeat"|"heartbeatAck"|"gossip"|"batch"|"close"|"leave");

            /**
             * Encodes the specified Frame message. Does not implicitly {@link coerce.wire.Frame.verify|verify} messages.
             * @param message Frame message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: coerce.wire.Frame.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Frame message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {coerce.wire.Frame & coerce.wire.Frame.$Shape} Frame
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): coerce.wire.Frame & coerce.wire.Frame.$Shape;
        }

        namespace Frame {

            /** Properties of a Frame. */
            interface $Properties {

                /** Frame hello */
                hello?: (coerce.wire.Handshake.$Properties|null);

                /** Frame welcome */
                welcome?: (coerce.wire.Handshake.$Properties|null);

                /** Frame heartbeat */
                heartbeat?: (coerce.wire.Heartbeat.$Properties|null);

                /** Frame heartbeatAck */
                heartbeatAck?: (coerce.wire.HeartbeatAck.$Properties|null);

                /** Frame gossip */
                gossip?: (coerce.wire.Gossip.$Properties|null);

                /** Frame batch */
                batch?: (coerce.wire.Batch.$Properties|null);

                /** Frame close */
                close?: (coerce.wire.Close.$Properties|null);

                /** Frame leave */
                leave?: (coerce.wire.Leave.$Properties|null);

                /** Frame body */
                body?: ("hello"|"welcome"|"heartbeat"|"heartbeatAck"|"gossip"|"batch"|"close"|"leave");

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Narrowed shape of a Frame. */
            type $Shape = {
              hello?: coerce.wire.Handshake.$Shape|null;
              welcome?: coerce.wire.Handshake.$Shape|null;
              heartbeat?: coerce.wire.Heartbeat.$Shape|null;
              heartbeatAck?: coerce.wire.HeartbeatAck.$Shape|null;
              gossip?: coerce.wire.Gossip.$Shape|null;
              batch?: coerce.wire.Batch.$Shape|null;
              close?: coerce.wire.Close.$Shape|null;
              leave?: coerce.wire.Leave.$Shape|null;
              $unknowns?: Uint8Array[];
            } & (
              ({ body?: undefined; hello?: null; welcome?: null; heartbeat?: null; heartbeatAck?: null; gossip?: null; batch?: null; close?: null; leave?: null }|{ body?: "hello"; hello: coerce.wire.Handshake.$Shape; welcome?: null; heartbeat?: null; heartbeatAck?: null; gossip?: null; batch?: null; close?: null; leave?: null }|{ body?: "welcome"; hello?: null; welcome: coerce.wire.Handshake.$Shape; heartbeat?: null; heartbeatAck?: null; gossip?: null; batch?: null; close?: null; leave?: null }|{ body?: "heartbeat"; hello?: null; welcome?: null; heartbeat: coerce.wire.Heartbeat.$Shape; heartbeatAck?: null; gossip?: null; batch?: null; close?: null; leave?: null }|{ body?: "heartbeatAck"; hello?: null; welcome?: null; heartbeat?: null; heartbeatAck: coerce.wire.HeartbeatAck.$Shape; gossip?: null; batch?: null; close?: null; leave?: null }|{ body?: "gossip"; hello?: null; welcome?: null; heartbeat?: null; heartbeatAck?: null; gossip: coerce.wire.Gossip.$Shape; batch?: null; close?: null; leave?: null }|{ body?: "batch"; hello?: null; welcome?: null; heartbeat?: null; heartbeatAck?: null; gossip?: null; batch: coerce.wire.Batch.$Shape; close?: null; leave?: null }|{ body?: "close"; hello?: null; welcome?: null; heartbeat?: null; heartbeatAck?: null; gossip?: null; batch?: null; close: coerce.wire.Close.$Shape; leave?: null }|{ body?: "leave"; hello?: null; welcome?: null; heartbeat?: null; heartbeatAck?: null; gossip?: null; batch?: null; close?: null; leave: coerce.wire.Leave.$Shape })
            );
        }
    }
}
