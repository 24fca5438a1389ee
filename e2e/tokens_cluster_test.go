package e2e

import (
	"net/http"
	"os"
	"testing"
)

// TestTokenRevokeTwoInstances runs two servers on one PostgreSQL schema
// (each with its own local blobs: no file is stored). A token is cached on
// instance b, revoked with "ferry token revoke" while both run, and then
// refused by b, whose cache a PostgreSQL notification has emptied; a,
// which had read it too, refuses it as well.
func TestTokenRevokeTwoInstances(t *testing.T) {
	t.Parallel()
	skipShort(t)
	raw := os.Getenv("FERRY_TEST_POSTGRES_URL")
	if raw == "" {
		t.Skip("set FERRY_TEST_POSTGRES_URL to run the two-instance token test (.ci/run sets it)")
	}
	st := storage{database: newSchema(t, raw, "ferry_e2e_tok_"+randomHex(t, 6))}
	a := startServerOn(t, st)
	b := startServerOn(t, st)
	tok := a.createToken(1, "files.read")
	for _, s := range []*server{b, b, a} { // b's second call is served from its cache
		if resp, body := s.do("GET", filesPath+"/search", nil, tok); resp.StatusCode != http.StatusOK {
			t.Fatalf("search on %s with a new token: status = %d\n%s", s.BaseURL, resp.StatusCode, body)
		}
	}
	a.revokeToken(tok)
	// Each instance hears of the revocation as a notification after the
	// CLI's commit, so the test polls, up to a bound (waitRefused).
	waitRefused(t, b, tok)
	waitRefused(t, a, tok)
}
