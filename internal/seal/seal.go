// Package seal encrypts small secrets at rest (an import's source
// headers) with a key kept outside the database: AES-256-GCM, the task id
// as associated data, so that a sealed value only opens for its own task.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Sealer seals and opens values with one key.
type Sealer struct{ aead cipher.AEAD }

// ErrOpen is the error of a value that does not open with this key: sealed
// with another key (instances that do not share one), or damaged.
var ErrOpen = errors.New("sealed value does not open with this server's secret key")

// New returns a Sealer whose key is derived from secret (any string of at
// least 16 bytes).
func New(secret []byte) (*Sealer, error) {
	if len(secret) < 16 {
		return nil, errors.New("secret key must be at least 16 bytes long")
	}
	key := sha256.Sum256(append([]byte("ferry seal v1\x00"), secret...))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plain for the object named by context.
func (s *Sealer) Seal(plain []byte, context string) []byte {
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	return s.aead.Seal(nonce, nonce, plain, []byte(context))
}

// Open decrypts what Seal returned for the same context, or fails with
// ErrOpen.
func (s *Sealer) Open(sealed []byte, context string) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return nil, ErrOpen
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(context))
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}

// KeyFileName is the key file's name in the data directory.
const KeyFileName = "secret.key"

// LoadKey returns the secret to build a Sealer from: secret if it is set
// (from --secret-key or FERRY_SECRET_KEY), else the key file in dataDir,
// created with a random key (readable by its owner only) if missing.
func LoadKey(secret, dataDir string) ([]byte, error) {
	if secret != "" {
		return []byte(secret), nil
	}
	path := filepath.Join(dataDir, KeyFileName)
	b, err := os.ReadFile(path)
	if err == nil {
		return []byte(strings.TrimSpace(string(b))), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read secret key: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	var raw [32]byte
	rand.Read(raw[:])
	key := hex.EncodeToString(raw[:])
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return LoadKey("", dataDir) // another process made it first
	}
	if err != nil {
		return nil, fmt.Errorf("create secret key: %w", err)
	}
	defer f.Close()
	if _, err := f.WriteString(key + "\n"); err != nil {
		return nil, fmt.Errorf("write secret key: %w", err)
	}
	return []byte(key), f.Sync()
}
