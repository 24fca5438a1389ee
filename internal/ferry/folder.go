package ferry

import "context"

// ApplyFolderUpdate renames and/or moves a folder through a store: the
// synchronous PATCH and the asynchronous update task share it.
func ApplyFolderUpdate(ctx context.Context, st Store, portal PortalID, id FolderID, u FolderUpdate) (Folder, error) {
	f, err := st.FindFolderByID(ctx, portal, id)
	if err != nil {
		return Folder{}, err
	}
	name, parent := f.Name, f.ParentID
	if u.Name != nil {
		name = *u.Name
	}
	if u.ParentFolderID != nil {
		parent = *u.ParentFolderID
		if _, err := st.FindFolderByID(ctx, portal, parent); KindOf(err) == NotFound {
			return Folder{}, Invalidf("parentFolderId", "parent folder %s does not exist", parent)
		}
	}
	return st.MoveFolder(ctx, portal, id, parent, name)
}

// ResolveFolder finds where a new file goes: the folder at path, created
// if missing, or else the folder id, which must exist (Invalid on folderId
// if it does not). Uploads and imports share it.
func ResolveFolder(ctx context.Context, st Store, portal PortalID, id FolderID, path string) (Folder, error) {
	if path != "" {
		return st.EnsureFolder(ctx, portal, path)
	}
	f, err := st.FindFolderByID(ctx, portal, id)
	if KindOf(err) == NotFound {
		return f, Invalidf("folderId", "folder %s does not exist", id)
	}
	return f, err
}
