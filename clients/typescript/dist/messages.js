/**
 * The native stream's messages (docs/ws-protocol.md § Message reference), as TypeScript types:
 * {@link ServerMessage} is a discriminated union over `type` of everything the server sends
 * (except `format=array`'s bare arrays, which this client does not speak), and
 * {@link ClientMessage} of everything a client may send. `clients/typescript/test/check-asyncapi.mjs`
 * checks each kind's property names and required set against docs/asyncapi.json.
 */
export {};
