package ferry_test

import (
	"reflect"
	"testing"
	"time"

	"ferry/internal/ferry"
)

// A task list filter reads statuses and types in any case, reports every
// bad field at once, and pages with the cursors it hands out.
func TestTaskFilterInputValidate(t *testing.T) {
	t.Parallel()
	task := ferry.Task{ID: "t1", RequestedAt: time.UnixMilli(1_700_000_000_123).UTC()}
	cursor := task.Cursor()
	tests := []struct {
		name string
		in   ferry.TaskFilterInput
		want ferry.TaskFilter
		bad  []string // the fields at fault
	}{
		{"Empty", ferry.TaskFilterInput{Limit: 20}, ferry.TaskFilter{Limit: 20}, nil},
		{"AnyCase", ferry.TaskFilterInput{Statuses: []string{"pending", "CANCELED"}, Type: "folder_update"},
			ferry.TaskFilter{Statuses: []ferry.TaskStatus{ferry.TaskPending, ferry.TaskCanceled}, Kind: ferry.TaskFolderUpdate}, nil},
		{"Import", ferry.TaskFilterInput{Type: "IMPORT", After: cursor.String()},
			ferry.TaskFilter{Kind: ferry.TaskImport, After: &cursor}, nil},
		{"EverythingWrong", ferry.TaskFilterInput{Statuses: []string{"DONE"}, Type: "UPLOAD", After: "!!"},
			ferry.TaskFilter{}, []string{"status", "type", "after"}},
		{"NotOurCursor", ferry.TaskFilterInput{After: "MTIz"}, ferry.TaskFilter{}, []string{"after"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var p ferry.Problems
			got := tc.in.Validate(&p)
			if fields := problemFields(t, p.Err()); !reflect.DeepEqual(fields, tc.bad) {
				t.Errorf("problems in %v, want %v", fields, tc.bad)
			}
			if tc.bad == nil && !reflect.DeepEqual(got, tc.want) {
				t.Errorf("filter=%+v, want %+v", got, tc.want)
			}
		})
	}
}
