package ferry_test

import (
	"reflect"
	"testing"

	"ferry/internal/ferry"
)

// Each update and create input reports every bad field at once, and reads
// "0" as the root folder.
func TestUpdateInputsValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		validate func() error
		want     []string // the fields at fault
	}{
		{"FileOK", func() error {
			_, err := ferry.FileUpdateInput{Name: ptr("cat"), Access: ptr("PRIVATE"), ParentFolderID: ptr("0"),
				ExpiresAt: ptr("2026-04-01T00:00:00Z")}.Validate(validateNow)
			return err
		}, nil},
		{"FileEverythingWrong", func() error {
			_, err := ferry.FileUpdateInput{Name: ptr("a/b"), Access: ptr("OPEN"), ParentFolderID: ptr("x"),
				ExpiresAt: ptr("2020-01-01T00:00:00Z")}.Validate(validateNow)
			return err
		}, []string{"access", "name", "parentFolderId", "expiresAt"}},
		{"FileBothParents", func() error {
			_, err := ferry.FileUpdateInput{ParentFolderID: ptr("3"), ParentFolderPath: ptr("/a")}.Validate(validateNow)
			return err
		}, []string{"parentFolderId"}},
		{"FolderCreateOK", func() error {
			_, err := ferry.FolderCreateInput{Name: ptr(" cats "), ParentFolderID: ptr("0")}.Validate()
			return err
		}, nil},
		{"FolderCreateEverythingWrong", func() error {
			_, err := ferry.FolderCreateInput{ParentFolderID: ptr("-1"), ParentPath: ptr("/a")}.Validate()
			return err
		}, []string{"name", "parentFolderId"}},
		{"FolderUpdateEverythingWrong", func() error {
			_, err := ferry.FolderUpdateInput{Name: ptr(""), ParentFolderID: ptr("1e3")}.Validate()
			return err
		}, []string{"name", "parentFolderId"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := problemFields(t, tc.validate()); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("problems in %v, want %v", got, tc.want)
			}
		})
	}
	u, _ := ferry.FolderUpdateInput{ParentFolderID: ptr("0")}.Validate()
	if u.ParentFolderID == nil || *u.ParentFolderID != 0 {
		t.Errorf("ParentFolderID=%v, want the root", u.ParentFolderID)
	}
	c, _ := ferry.FolderCreateInput{Name: ptr(" cats ")}.Validate()
	if c.Name != "cats" || c.ParentID != nil || c.ParentPath != nil {
		t.Errorf("FolderInput=%+v, want cats at the root", c)
	}
}
