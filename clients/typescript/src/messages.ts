/**
 * The native stream's messages (docs/ws-protocol.md § Message reference), as TypeScript types:
 * {@link ServerMessage} is a discriminated union over `type` of everything the server sends
 * (except `format=array`'s bare arrays, which this client does not speak), and
 * {@link ClientMessage} of everything a client may send. `clients/typescript/test/check-asyncapi.mjs`
 * checks each kind's property names and required set against docs/asyncapi.json.
 */

/** A channel of a subscription. */
export type Channel = 'quotes' | 'trades' | 'bars' | 'status';

/** A symbol's trading status: its calendar's phase, or `halted` under a scenario. */
export type TradingStatus = 'pre' | 'open' | 'post' | 'closed' | 'halted';

/** One symbol at one tick: the fields of `GET /api/v1/latest/{symbol}`. */
export interface Quote {
  /** The symbol, upper case. */
  symbol: string;
  /** Last price. */
  price: number;
  /** `price − prev_close`. */
  change: number;
  /** `change` in percent of `prev_close`. */
  change_percent: number;
  /** The session's first price. */
  open: number;
  /** The session's highest price so far. */
  high: number;
  /** The session's lowest price so far. */
  low: number;
  /** The previous session's last price. */
  prev_close: number;
  /** Best bid. */
  bid: number;
  /** Best offer. */
  ask: number;
  /** Shares at the best bid. */
  bid_size: number;
  /** Shares at the best offer. */
  ask_size: number;
  /** Exchange code of the best bid. */
  bid_exchange: string;
  /** Exchange code of the best offer. */
  ask_exchange: string;
  /** Shares traded this session. */
  volume: number;
  /** Trades this session. */
  trades: number;
  /** Volume-weighted average price this session. */
  vwap: number;
  /** Time of the tick, Unix ms. */
  timestamp: number;
  /** The tick: the same tick has the same seq on every service. */
  seq: number;
}

/** The market clock a service runs on (docs/clocks.md). */
export interface ClockInfo {
  kind: 'real' | 'virtual' | 'manual';
  speed: number;
  now: string;
  now_ms: number;
  start?: string;
  anchor?: string;
}

/** A replay's parameters, as the welcome reports them (Unix ms for times). */
export interface ReplayInfo {
  from: number;
  to?: number;
  speed: number;
  then: 'close' | 'live';
}

/** Each channel's symbols, in market order. */
export type ChannelMap = Record<Channel, string[]>;

/** A symbol's current status, in the welcome and acks. */
export interface StatusEntry {
  symbol: string;
  status: TradingStatus;
  calendar: string;
  /** Why, when halted. */
  reason?: string;
}

/** The first message of a connection. */
export interface WelcomeMessage {
  type: 'welcome';
  version: string;
  symbols: string[];
  subscribed: string[];
  interval_ms: number;
  seq: number;
  format: 'quote' | 'batch';
  clock: ClockInfo;
  replay?: ReplayInfo;
  channels?: ChannelMap;
  status?: StatusEntry[];
}

/** One symbol at one tick (`format=quote`). */
export interface QuoteMessage extends Quote {
  type: 'quote';
  /** Ticks skipped for this client before this one (a slow consumer). */
  dropped?: number;
}

/** Every subscribed symbol at one tick (`format=batch`). */
export interface QuotesMessage {
  type: 'quotes';
  seq: number;
  timestamp: number;
  quotes: Quote[];
  dropped?: number;
}

/** The whole subscription, after each subscribe or unsubscribe. */
export interface SubscribedMessage {
  type: 'subscribed';
  symbols: string[];
  channels?: ChannelMap;
  status?: StatusEntry[];
}

/** Current quotes of newly subscribed symbols, or after a gap. */
export interface SnapshotMessage {
  type: 'snapshot';
  seq: number;
  timestamp: number;
  quotes: Quote[];
}

/** One print (`trades` channel): the fields of `/api/v1/trades`. */
export interface TradeMessage {
  type: 'trade';
  symbol: string;
  /** Consecutive per symbol, with no gap. */
  id: number;
  price: number;
  size: number;
  exchange: string;
  tape: string;
  conditions: string[];
  timestamp: number;
  timestamp_ns: number;
  /** The tick that reports it. */
  seq: number;
}

/** One candle, as `/api/v1/bars/{symbol}` has it. */
export interface Bar {
  timestamp: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  ticks: number;
  trades: number;
  vwap: number;
}

/** A closed minute or trading day (`bars` channel). */
export interface BarMessage {
  type: 'bar';
  symbol: string;
  interval: '1m' | '1d';
  bar: Bar;
  timestamp: number;
  seq: number;
}

/** A trading-status transition (`status` channel). */
export interface StatusMessage {
  type: 'status';
  symbol: string;
  status: TradingStatus;
  /** Why, when halted. */
  reason?: string;
  previous: TradingStatus;
  calendar: string;
  timestamp: number;
  seq: number;
}

/** The answer to a `ping`. */
export interface PongMessage {
  type: 'pong';
  timestamp: number;
  id?: unknown;
}

/** Ticks that cannot be replayed (a snapshot follows). */
export interface GapMessage {
  type: 'gap';
  from: number;
  to: number;
  message: string;
}

/** A request was not understood or not allowed; the connection stays open. */
export interface ErrorMessage {
  type: 'error';
  code: string;
  message: string;
  symbols?: string[];
}

/** A replay's state, after each replay message. */
export interface ReplayStateMessage {
  type: 'replay';
  action: 'pause' | 'resume' | 'speed' | 'seek';
  state: 'playing' | 'paused';
  speed: number;
  position: number;
  seq: number;
}

/** A replay reached its end (a close 1000, or the live stream, follows). */
export interface ReplayEndMessage {
  type: 'replay_end';
  reason: 'to' | 'now';
  seq: number;
  timestamp: number;
  then: 'close' | 'live';
}

/** Everything the server sends (not in `format=array`). */
export type ServerMessage =
  | WelcomeMessage
  | QuoteMessage
  | QuotesMessage
  | SubscribedMessage
  | SnapshotMessage
  | TradeMessage
  | BarMessage
  | StatusMessage
  | PongMessage
  | GapMessage
  | ErrorMessage
  | ReplayStateMessage
  | ReplayEndMessage;

/** Add symbols (to the channels named; quotes without). */
export interface SubscribeMessage {
  type: 'subscribe';
  symbols: string[] | string;
  channels?: Channel[] | string;
}

/** Remove symbols (from the channels named; from all without). */
export interface UnsubscribeMessage {
  type: 'unsubscribe';
  symbols: string[] | string;
  channels?: Channel[] | string;
}

/** An application-level ping, answered by a pong echoing `id`. */
export interface PingMessage {
  type: 'ping';
  id?: unknown;
}

/** Send the ticks after `since` this connection missed before it opened. */
export interface ResumeMessage {
  type: 'resume';
  since: number;
}

/** Steer a replay. */
export interface ReplayControlMessage {
  type: 'replay';
  action: 'pause' | 'resume' | 'speed' | 'seek';
  speed?: number;
  time?: string | number;
}

/** Everything a client may send. */
export type ClientMessage =
  | SubscribeMessage
  | UnsubscribeMessage
  | PingMessage
  | ResumeMessage
  | ReplayControlMessage;

/** A server message of one kind. */
export type MessageOf<K extends ServerMessage['type']> = Extract<ServerMessage, { type: K }>;
