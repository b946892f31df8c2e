/**
 * `ChatStream`: one persistent, sharded entity per chat stream (its entity id is the stream id).
 * Every message is stored in the journal before anyone sees it, then published on the pub/sub
 * topic `chat` keyed by the stream, so each gateway node forwards it to its own sockets. Wherever
 * the stream starts (first message, after a rebalance, after its node died) it rebuilds its
 * messages from the journal, sequence numbers included.
 */
import { PersistentActor, type PersistentActorOptions } from '../../lib/index.js'
import { chatTopic, checkStream, checkText, checkUser, HISTORY_LIMIT, type ChatMessage } from './protocol.js'

/** The one event of a stream: a message was posted. */
export type Posted = { type: 'Posted'; seq: number; from: string; text: string; at: number }

export interface ChatStreamState {
  messages: ChatMessage[]
}

/** What `join` answers: the latest messages (at most {@link HISTORY_LIMIT}), oldest first. */
export interface ChatHistory {
  stream: string
  messages: ChatMessage[]
}

export class ChatStream extends PersistentActor<ChatStreamState, Posted> {
  static override persistence: PersistentActorOptions<Posted, ChatStreamState> = { events: ['Posted'] }

  /** Who joined through any gateway since this incarnation started (not persisted: presence, not history). */
  private readonly members = new Set<string>()

  /** Sharding constructs each entity with its id (the default `entityArgs`). */
  constructor(readonly stream: string) {
    super()
    checkStream(stream)
  }

  /** One journal per stream, named after it (not after the actor id the sharding gives it). */
  override get persistenceId(): string {
    return `chat-stream:${this.stream}`
  }

  protected override initialState(): ChatStreamState {
    return { messages: [] }
  }

  protected override applyEvent(state: ChatStreamState, e: Posted): ChatStreamState {
    state.messages.push({ stream: this.stream, seq: e.seq, from: e.from, text: e.text, at: e.at })
    return state
  }

  /** Adds `user` to the stream's members and answers the history (ordered by `seq`). */
  join(user: string): ChatHistory {
    this.members.add(checkUser(user))
    return { stream: this.stream, messages: this.state.messages.slice(-HISTORY_LIMIT) }
  }

  /** Stores the message, then publishes it on `chat` (key: the stream); answers the stored message. */
  async post(user: string, text: string): Promise<ChatMessage> {
    checkUser(user)
    checkText(text)
    const seq = this.state.messages.length + 1
    await this.persist({ type: 'Posted', seq, from: user, text, at: Date.now() })
    const message = this.state.messages[this.state.messages.length - 1] as ChatMessage
    this.ctx.system.pubsub.publish(chatTopic, message, { key: this.stream })
    return message
  }

  /** Removes `user` from the members (a no-op when absent). */
  leave(user: string): void {
    this.members.delete(checkUser(user))
  }

  /** The messages after `seq`, oldest first (at most {@link HISTORY_LIMIT}): how a gateway fills a gap. */
  since(seq: number): ChatMessage[] {
    const from = Number.isInteger(seq) && seq > 0 ? seq : 0
    return this.state.messages.slice(from, from + HISTORY_LIMIT)
  }

  /** The users who joined (and did not leave) since this incarnation started. */
  memberList(): string[] {
    return [...this.members].sort()
  }
}
