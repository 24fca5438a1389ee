package postgres

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TokensChannel is the channel on which every transaction that writes the
// tokens table notifies, with its schema as the payload: instances in
// other schemas of the same database ignore it.
const TokensChannel = "ferry_tokens"

// notifyTokens is Dialect.NotifyTokens: PostgreSQL delivers it when the
// transaction commits, and never if it rolls back.
const notifyTokens = `SELECT pg_notify('` + TokensChannel + `', coalesce(current_schema(), ''))`

// checkEvery is how long the listener waits for a notification before it
// checks that its connection still answers: a connection that died
// without a word (a network partition) is noticed within about twice
// this, and until then notifications may be lost.
const checkEvery = 10 * time.Second

// TokenListener is the ferry.TokenWatcher of a PostgreSQL schema: a
// connection of its own LISTENs on TokensChannel, and each notification
// for its schema moves the version on. While it is not connected (at
// start, after losing its connection, while it reconnects) it reports
// that it cannot see changes, so nothing is cached; each new connection
// moves the version on too, which drops whatever was cached before.
type TokenListener struct {
	dsn string
	log *slog.Logger
	// state is the version shifted left by one, with the low bit set
	// while the listener is connected: one atomic load per request.
	state atomic.Uint64
	pid   atomic.Uint32 // the listening backend's process id, for tests
	away  bool          // a loss of the connection has been logged; the listener's goroutine only
}

// ListenTokens starts a TokenListener on the database at rawURL (as Open
// takes it), which runs until ctx ends. It returns at once: it connects,
// and reconnects after a failure, in the background.
func ListenTokens(ctx context.Context, rawURL string, log *slog.Logger) (*TokenListener, error) {
	dsn, _, err := poolSize(rawURL)
	if err != nil {
		return nil, err
	}
	l := &TokenListener{dsn: dsn, log: log}
	go l.run(ctx)
	return l, nil
}

// TokensVersion implements ferry.TokenWatcher.
func (l *TokenListener) TokensVersion() (uint64, bool) {
	s := l.state.Load()
	return s >> 1, s&1 == 1
}

// set records version v and whether the listener is connected; only the
// listener's goroutine writes.
func (l *TokenListener) set(v uint64, up bool) {
	s := v << 1
	if up {
		s |= 1
	}
	l.state.Store(s)
}

// run connects and listens until ctx ends, waiting a little longer after
// each failed attempt, up to five seconds.
func (l *TokenListener) run(ctx context.Context) {
	wait := 100 * time.Millisecond
	for {
		start := time.Now()
		err := l.listen(ctx)
		v, connected := l.TokensVersion()
		l.set(v, false)
		if ctx.Err() != nil {
			return
		}
		if connected && time.Since(start) > time.Minute {
			wait = 100 * time.Millisecond
		}
		// Once per outage, not once per attempt.
		if !l.away {
			l.log.Warn("token change listener not connected; tokens are read from the database on every request until it is", "err", err)
			l.away = true
		} else {
			l.log.Debug("token change listener still not connected", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// listen runs one connection: LISTEN, then wait for notifications until
// the connection fails.
func (l *TokenListener) listen(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, l.dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `LISTEN `+TokensChannel); err != nil {
		return err
	}
	var schema string
	if err := conn.QueryRow(ctx, `SELECT coalesce(current_schema(), '')`).Scan(&schema); err != nil {
		return err
	}
	l.pid.Store(conn.PgConn().PID())
	// Every write that commits from now on is notified: a new version
	// drops what was cached while writes could go unseen.
	v, _ := l.TokensVersion()
	l.set(v+1, true)
	if l.away {
		l.log.Info("token change listener connected again; tokens are cached again")
		l.away = false
	}
	for {
		wctx, cancel := context.WithTimeout(ctx, checkEvery)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			if n.Payload == schema {
				v, _ := l.TokensVersion()
				l.set(v+1, true)
			}
		case ctx.Err() != nil:
			return ctx.Err()
		case pgconn.Timeout(err):
			pctx, cancel := context.WithTimeout(ctx, checkEvery)
			err := conn.Ping(pctx)
			cancel()
			if err != nil {
				return err
			}
		default:
			return err
		}
	}
}
