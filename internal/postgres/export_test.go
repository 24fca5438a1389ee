package postgres

// ListenerPID returns the process id of the backend a TokenListener
// listens on (0 before it first connects), for tests that end it.
func ListenerPID(l *TokenListener) uint32 { return l.pid.Load() }
