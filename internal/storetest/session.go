package storetest

import (
	"context"
	"testing"
	"time"

	"ferry/internal/ferry"
)

// testSession checks console sessions: found only before expiry and only
// while their token exists, and gone with the token.
func testSession(t *testing.T, open func(t *testing.T) ferry.Store) {
	ctx := context.Background()
	st, ok := open(t).(interface {
		ferry.Store
		ferry.SessionStore
	})
	if !ok {
		t.Skip("the store keeps no console sessions")
	}
	tok := ferry.Token{Hash: "cafe0000cafe0000", Portal: portalA, Scopes: []ferry.Scope{ferry.ScopeFilesRead}, Name: "console", CreatedAt: base}
	mustNoErr(t, st.CreateToken(ctx, tok), "CreateToken")
	live := ferry.Session{Hash: "s1", TokenHash: tok.Hash, CreatedAt: base, ExpiresAt: at(time.Hour)}
	old := ferry.Session{Hash: "s2", TokenHash: tok.Hash, CreatedAt: at(-2 * time.Hour), ExpiresAt: at(-time.Hour)}
	orphan := ferry.Session{Hash: "s3", TokenHash: "no-such-token", CreatedAt: base, ExpiresAt: at(time.Hour)}
	for _, s := range []ferry.Session{live, old, orphan} {
		mustNoErr(t, st.CreateSession(ctx, s), "CreateSession "+s.Hash)
	}
	wantKind(t, st.CreateSession(ctx, live), ferry.Conflict)

	got, gotTok, err := st.FindSession(ctx, "s1", base)
	mustNoErr(t, err, "FindSession s1")
	if got.TokenHash != tok.Hash || !got.ExpiresAt.Equal(live.ExpiresAt) || gotTok.Portal != portalA || !gotTok.HasAny([]ferry.Scope{ferry.ScopeFilesRead}) {
		t.Errorf("FindSession=%+v, %+v; want session s1 of token %s", got, gotTok, tok.Hash)
	}
	_, _, err = st.FindSession(ctx, "s1", live.ExpiresAt)
	wantKind(t, err, ferry.NotFound) // expired at its expiry time
	_, _, err = st.FindSession(ctx, "s2", base)
	wantKind(t, err, ferry.NotFound)
	_, _, err = st.FindSession(ctx, "s3", base)
	wantKind(t, err, ferry.NotFound) // its token does not exist

	n, err := st.DeleteExpiredSessions(ctx, base)
	mustNoErr(t, err, "DeleteExpiredSessions")
	if n != 1 {
		t.Errorf("DeleteExpiredSessions=%d, want 1", n)
	}
	mustNoErr(t, st.DeleteSession(ctx, "s3"), "DeleteSession")
	mustNoErr(t, st.DeleteSession(ctx, "s3"), "DeleteSession again")
	_, err = st.DeleteToken(ctx, tok.Hash[:8])
	mustNoErr(t, err, "DeleteToken")
	mustNoErr(t, st.CreateToken(ctx, tok), "CreateToken again with the same secret")
	_, _, err = st.FindSession(ctx, "s1", base)
	wantKind(t, err, ferry.NotFound) // revoking the token deleted it for good
}
