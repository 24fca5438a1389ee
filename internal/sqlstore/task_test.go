package sqlstore

import (
	"testing"

	"ferry/internal/ferry"
)

// Task errors written before they carried a Kind read back with the Kind
// their status and category name.
func TestDecodeTaskErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		stored string
		want   ferry.Kind
		sub    string
	}{
		{"Current", `[{"Kind":"origin_timeout","SubCategory":"IDLE_TIMEOUT","Message":"m"}]`, ferry.OriginTimeout, "IDLE_TIMEOUT"},
		{"LegacyFetch", `[{"Status":502,"Category":"FETCH_FAILED","SubCategory":"DNS_FAILURE","Message":"m"}]`, ferry.OriginFailed, "DNS_FAILURE"},
		{"LegacyTimeout", `[{"Status":504,"Category":"FETCH_FAILED","SubCategory":"IDLE_TIMEOUT","Message":"m"}]`, ferry.OriginTimeout, "IDLE_TIMEOUT"},
		{"LegacyTooLarge", `[{"Status":413,"Category":"VALIDATION_ERROR","SubCategory":"TOO_LARGE","Message":"m"}]`, ferry.TooLarge, "TOO_LARGE"},
		{"LegacyInterrupted", `[{"Status":500,"Category":"INTERRUPTED","SubCategory":"WORK_LOST","Message":"m"}]`, ferry.Interrupted, "WORK_LOST"},
		{"LegacyCanceled", `[{"Status":503,"Category":"FETCH_FAILED","SubCategory":"CANCELED","Message":"m"}]`, ferry.Unavailable, "CANCELED"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := decodeTaskErrors(tc.stored)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].Kind != tc.want || got[0].SubCategory != tc.sub || got[0].Message != "m" {
				t.Errorf("decodeTaskErrors=%+v, want kind %v, subCategory %s", got, tc.want, tc.sub)
			}
		})
	}
	if got, err := decodeTaskErrors("null"); err != nil || got != nil {
		t.Errorf("decodeTaskErrors(null)=%v, %v, want nil", got, err)
	}
	if _, err := decodeTaskErrors(`[{"Kind":"no_such_kind"}]`); err == nil {
		t.Error("an unknown kind decoded without error")
	}
}
