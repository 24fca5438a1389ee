package storetest

import (
	"context"
	"testing"
	"time"

	"ferry/internal/ferry"
)

// testTokenListAndDelete checks listing tokens and deleting one by the
// start of its hash.
func testTokenListAndDelete(t *testing.T, open func(t *testing.T) ferry.Store) {
	ctx := context.Background()
	st := open(t)
	for i, h := range []string{"aaaa1111" + "0000", "aaaa2222" + "0000", "bbbb3333" + "0000"} {
		tok := ferry.Token{Hash: h, Portal: portalA, Scopes: []ferry.Scope{ferry.ScopeFiles}, Name: h[:4], CreatedAt: at(time.Duration(i) * time.Second)}
		mustNoErr(t, st.CreateToken(ctx, tok), "CreateToken")
	}
	got, err := st.ListTokens(ctx)
	mustNoErr(t, err, "ListTokens")
	if len(got) != 3 || got[0].Hash != "aaaa11110000" || got[2].Hash != "bbbb33330000" {
		t.Errorf("ListTokens=%v, want the three tokens oldest first", got)
	}
	_, err = st.DeleteToken(ctx, "aaaa")
	wantKind(t, err, ferry.Invalid) // too short
	_, err = st.DeleteToken(ctx, "aaaa111")
	wantKind(t, err, ferry.Invalid) // still too short
	_, err = st.DeleteToken(ctx, "cccc0000")
	wantKind(t, err, ferry.NotFound)
	del, err := st.DeleteToken(ctx, "bbbb3333")
	mustNoErr(t, err, "DeleteToken")
	if del.Hash != "bbbb33330000" {
		t.Errorf("DeleteToken returned %q, want bbbb33330000", del.Hash)
	}
	_, err = st.FindToken(ctx, "bbbb33330000")
	wantKind(t, err, ferry.NotFound)
	if _, err := st.FindToken(ctx, "aaaa11110000"); err != nil {
		t.Errorf("FindToken of a token not deleted: %v", err)
	}
}
