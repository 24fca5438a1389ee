package storetest

import (
	"context"
	"reflect"
	"testing"

	"ferry/internal/ferry"
)

func testToken(t *testing.T, open func(t *testing.T) ferry.Store) {
	ctx := context.Background()
	tok := ferry.Token{Hash: ferry.HashToken("secret-1"), Portal: portalA,
		Scopes: []ferry.Scope{ferry.ScopeFilesRead, ferry.ScopeHiddenWrite}, Name: "ci", CreatedAt: at(0)}

	t.Run("CreateAndFind", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		mustNoErr(t, st.CreateToken(ctx, tok), "CreateToken")
		got, err := st.FindToken(ctx, tok.Hash)
		mustNoErr(t, err, "FindToken")
		if !got.CreatedAt.Equal(tok.CreatedAt) {
			t.Errorf("CreatedAt=%v, want %v", got.CreatedAt, tok.CreatedAt)
		}
		got.CreatedAt = tok.CreatedAt
		if !reflect.DeepEqual(got, tok) {
			t.Errorf("FindToken=%+v, want %+v", got, tok)
		}
	})

	t.Run("DuplicateIsConflict", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		mustNoErr(t, st.CreateToken(ctx, tok), "CreateToken")
		other := tok
		other.Portal, other.Name = portalB, "other"
		wantKind(t, st.CreateToken(ctx, other), ferry.Conflict)
		got, err := st.FindToken(ctx, tok.Hash)
		mustNoErr(t, err, "FindToken")
		if got.Portal != tok.Portal || got.Name != tok.Name {
			t.Errorf("after the conflict: Portal, Name=%v, %q, want %v, %q", got.Portal, got.Name, tok.Portal, tok.Name)
		}
	})

	t.Run("UnknownIsNotFound", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		mustNoErr(t, st.CreateToken(ctx, tok), "CreateToken")
		_, err := st.FindToken(ctx, ferry.HashToken("secret-2"))
		wantKind(t, err, ferry.NotFound)
	})
}

func testSetting(t *testing.T, open func(t *testing.T) ferry.Store) {
	ctx := context.Background()

	t.Run("UnknownIsNotFound", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		_, err := st.Setting(ctx, "signing-key")
		wantKind(t, err, ferry.NotFound)
	})

	t.Run("FirstValueWins", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		first := []byte{0x00, 0xff, 'a', 0x10}
		got, err := st.PutSettingIfAbsent(ctx, "signing-key", first)
		mustNoErr(t, err, "PutSettingIfAbsent(first)")
		if !reflect.DeepEqual(got, first) {
			t.Errorf("PutSettingIfAbsent(first)=%q, want %q", got, first)
		}
		got, err = st.PutSettingIfAbsent(ctx, "signing-key", []byte("second"))
		mustNoErr(t, err, "PutSettingIfAbsent(second)")
		if !reflect.DeepEqual(got, first) {
			t.Errorf("PutSettingIfAbsent(second)=%q, want the first value %q", got, first)
		}
		got, err = st.Setting(ctx, "signing-key")
		mustNoErr(t, err, "Setting")
		if !reflect.DeepEqual(got, first) {
			t.Errorf("Setting=%q, want %q", got, first)
		}
	})

	t.Run("KeysAreIndependent", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		if _, err := st.PutSettingIfAbsent(ctx, "a", []byte("1")); err != nil {
			t.Fatalf("PutSettingIfAbsent(a): %v", err)
		}
		got, err := st.PutSettingIfAbsent(ctx, "b", []byte("2"))
		mustNoErr(t, err, "PutSettingIfAbsent(b)")
		if string(got) != "2" {
			t.Errorf("PutSettingIfAbsent(b)=%q, want %q", got, "2")
		}
	})
}
