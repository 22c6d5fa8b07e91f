/**
 * Registers every transport of the execnet package, in this one place. Imported by `index.ts`
 * for its side effect (listed in `sideEffects` of package.json so bundlers keep it).
 * Transport packages themselves have no import-time side effects.
 */
import { registerTransport } from '@execnet/core';
import { popenTransport } from '@execnet/transport-popen';
import { socketTransport } from '@execnet/transport-socket';
import { sshTransport, vagrantSshTransport } from '@execnet/transport-ssh';

registerTransport(popenTransport());
registerTransport(sshTransport());
registerTransport(vagrantSshTransport());
// The secret comes from EXECNET_SOCKET_SECRET when a gateway opens; register
// socketTransport({ secret }) again to give it in code.
registerTransport(socketTransport());
