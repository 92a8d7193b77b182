import type { ClientDriver, TargetKind, TargetSetup } from '../types.js';

/** Loads one target adapter (lazily, so a worker only loads the client library it drives). */
export async function loadTarget(
  kind: TargetKind,
): Promise<{ setup: TargetSetup; driver: ClientDriver }> {
  switch (kind) {
    case 'parley':
    case 'parley-cluster':
      return import('./parley.js');
    case 'raw-ws':
      return import('./raw-ws.js');
    case 'socketio':
      return import('./socketio.js');
  }
}
