// What the CLI bundle gets for `import ... from 'undici'` (scripts/bundle.mjs): the Agent and the
// request API, set up as undici's own index.js does (its api mixed into Dispatcher.prototype),
// without the rest of that index: fetch, WebSocket, EventSource, cookies (whose load touches
// globalThis.Headers and so loads Node's own copy of undici), mocks, caches and interceptors --
// ~40 ms of every CLI start. bundle.mjs refuses a build that imports any other name from undici.
import Dispatcher from 'undici/lib/dispatcher/dispatcher.js';
import api from 'undici/lib/api/index.js';
import Agent from 'undici/lib/dispatcher/agent.js';

Object.assign(Dispatcher.prototype, api);

export { Agent };
