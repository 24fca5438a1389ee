package ferry

import (
	"context"
	"slices"
	"time"
)

// TokenWatcher tells a TokenCache when the tokens it holds may be stale.
// Each database has its own (a signal file beside SQLite's, a LISTEN
// connection to PostgreSQL).
type TokenWatcher interface {
	// TokensVersion returns a number that grows after every committed
	// write of the tokens table that the watcher can see, and ok=false
	// while it cannot see such writes (then nothing may be cached). It is
	// called on every authenticated request, so it must be cheap.
	TokensVersion() (v uint64, ok bool)
}

// Token cache bounds: a full cache is emptied, and an entry is read again
// after TokenCacheMaxAge even without a signal, as a backstop for a writer
// that died between its commit and its signal.
const (
	TokenCacheSize   = 4096
	TokenCacheMaxAge = time.Minute
)

// TokenCache is an Authenticator that keeps the tokens it has found, by
// hash (never the secret), so that a request whose token is cached reads
// nothing from the database. Every cached token is dropped as soon as the
// watcher's version changes; unknown tokens are never cached, so a new
// token works at once.
type TokenCache struct {
	store  Store
	watch  TokenWatcher
	tokens *VersionedCache[string, cachedToken] // by hash
}

type cachedToken struct {
	tok     Token
	expires time.Time // monotonic: TokenCacheMaxAge after the read
}

// NewTokenCache returns a TokenCache over the tokens in store.
func NewTokenCache(store Store, watch TokenWatcher) *TokenCache {
	return &TokenCache{store: store, watch: watch, tokens: NewVersionedCache[string](TokenCacheSize, func(e cachedToken) cachedToken {
		e.tok.Scopes = slices.Clone(e.tok.Scopes) // the caller's to change
		return e
	})}
}

// Authenticate implements Authenticator.
func (c *TokenCache) Authenticate(ctx context.Context, secret string) (Token, error) {
	if secret == "" {
		return StoreAuthenticator{Store: c.store}.Authenticate(ctx, secret)
	}
	hash := HashToken(secret)
	// The version is read before the database: a write that commits
	// after this read moves the version on, and what is read below is then
	// kept under the old version, which no request uses again.
	v, ok := c.watch.TokensVersion()
	if ok {
		if e, hit := c.tokens.Get(hash, v); hit && time.Now().Before(e.expires) {
			return e.tok, nil
		}
	}
	t, err := c.store.FindToken(ctx, hash)
	if KindOf(err) == NotFound {
		return Token{}, Errorf(Unauthenticated, "The access token is not valid.")
	}
	if err != nil {
		return Token{}, err
	}
	if ok {
		c.tokens.Put(hash, v, cachedToken{tok: t, expires: time.Now().Add(TokenCacheMaxAge)})
	}
	return t, nil
}
