package fetch

// Config returns the fetcher's configuration, with defaults applied.
func (f *Fetcher) Config() Config { return f.cfg }
