import { BrowseChannelsDialog } from './dialogs/BrowseChannelsDialog.js';
import { CreateWorkspaceDialog } from './dialogs/CreateWorkspaceDialog.js';
import { InviteDialog } from './dialogs/InviteDialog.js';
import { NewChannelDialog } from './dialogs/NewChannelDialog.js';
import { NewDmDialog } from './dialogs/NewDmDialog.js';
import { NewGroupDialog } from './dialogs/NewGroupDialog.js';
import { SettingsDialog } from './dialogs/SettingsDialog.js';

export type DialogName =
  | 'dm'
  | 'group'
  | 'channel'
  | 'browse'
  | 'workspace'
  | 'invite'
  | 'settings';

/** The dialog that is open. */
export function Dialogs({
  name,
  onClose,
  open,
}: {
  name: DialogName;
  onClose: () => void;
  open: (d: DialogName) => void;
}) {
  switch (name) {
    case 'dm':
      return <NewDmDialog onClose={onClose} />;
    case 'group':
      return <NewGroupDialog onClose={onClose} />;
    case 'channel':
      return <NewChannelDialog onClose={onClose} />;
    case 'browse':
      return <BrowseChannelsDialog onClose={onClose} />;
    case 'workspace':
      return <CreateWorkspaceDialog onClose={onClose} />;
    case 'invite':
      return <InviteDialog onClose={onClose} />;
    case 'settings':
      return <SettingsDialog onClose={onClose} openWorkspace={() => open('workspace')} />;
  }
}
