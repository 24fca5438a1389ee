package sqlite_test

import (
	"context"
	"fmt"
	"testing"

	"ferry/internal/ferry"
	"ferry/internal/sqlite"
)

// BenchmarkCreateFolderWithSubscriptions measures a write that emits one
// event, with no subscription and with five that each get a delivery: the
// cost of the outbox's fan-out, as a ratio between the two runs.
func BenchmarkCreateFolderWithSubscriptions(b *testing.B) {
	for _, subs := range []int{0, 5} {
		b.Run(fmt.Sprintf("subscriptions=%d", subs), func(b *testing.B) {
			ctx := context.Background()
			db := openDB(b)
			st := sqlite.NewStore(db)
			for i := range subs {
				w := ferry.Webhook{ID: ferry.NewWebhookID(), Portal: 1, URL: fmt.Sprintf("https://example.com/%d", i),
					Enabled: true, Secret: ferry.NewWebhookSecret()}
				if err := st.CreateWebhook(ctx, &w); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := range b.N {
				if _, err := st.CreateFolder(ctx, 1, 0, fmt.Sprintf("f%d", i)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
