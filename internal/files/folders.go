package files

import (
	"context"

	"ferry/internal/ferry"
)

// CreateFolder implements ferry.FileService.
func (s *Service) CreateFolder(ctx context.Context, portal ferry.PortalID, in ferry.FolderInput) (ferry.Folder, error) {
	parent := ferry.FolderID(0)
	switch {
	case in.ParentID != nil:
		parent = *in.ParentID
		if _, err := s.store.FindFolderByID(ctx, portal, parent); ferry.KindOf(err) == ferry.NotFound {
			return ferry.Folder{}, ferry.Invalidf("parentFolderId", "parent folder %s does not exist", parent)
		}
	case in.ParentPath != nil:
		f, err := s.store.FindFolderByPath(ctx, portal, *in.ParentPath)
		if ferry.KindOf(err) == ferry.NotFound {
			return ferry.Folder{}, ferry.Invalidf("parentPath", "parent folder %q does not exist", *in.ParentPath)
		} else if err != nil {
			return ferry.Folder{}, err
		}
		parent = f.ID
	}
	return s.store.CreateFolder(ctx, portal, parent, in.Name)
}

// FindFolder implements ferry.FileService.
func (s *Service) FindFolder(ctx context.Context, portal ferry.PortalID, id ferry.FolderID) (ferry.Folder, error) {
	return s.store.FindFolderByID(ctx, portal, id)
}

// FindFolderByPath implements ferry.FileService.
func (s *Service) FindFolderByPath(ctx context.Context, portal ferry.PortalID, p string) (ferry.Folder, error) {
	return s.store.FindFolderByPath(ctx, portal, p)
}

// UpdateFolder implements ferry.FileService.
func (s *Service) UpdateFolder(ctx context.Context, portal ferry.PortalID, id ferry.FolderID, u ferry.FolderUpdate) (ferry.Folder, error) {
	return ferry.ApplyFolderUpdate(ctx, s.store, portal, id, u)
}

// ArchiveFolder implements ferry.FileService.
func (s *Service) ArchiveFolder(ctx context.Context, portal ferry.PortalID, id ferry.FolderID) error {
	_, err := s.store.ArchiveFolder(ctx, portal, id, s.clock.Now().UTC())
	return err
}

// SearchFolders implements ferry.FileService.
func (s *Service) SearchFolders(ctx context.Context, portal ferry.PortalID, f ferry.FolderFilter) ([]ferry.Folder, bool, error) {
	return s.store.SearchFolders(ctx, portal, f)
}
