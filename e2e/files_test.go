package e2e

import (
	"bytes"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestFilesUpload checks POST /files/v3/files: part orders, chunked bodies,
// folderId and folderPath, the options, and the validation errors.
func TestFilesUpload(t *testing.T) {
	t.Parallel()
	skipShort(t)
	s := startServer(t)
	pngBytes := newPNG(t, 7, 5)

	// The Node SDK's order: file, folderPath, fileName, options.
	resp, b := sendForm(t, s, "POST", filesPath, s.Token,
		filePart("cat.png", "image/png", pngBytes), fieldPart("folderPath", "/up/sdk"), fieldPart("fileName", "kitty.png"),
		optionsPart(map[string]any{"access": "PUBLIC_INDEXABLE", "overwrite": false,
			"duplicateValidationStrategy": "NONE", "duplicateValidationScope": "ENTIRE_PORTAL"}))
	kitty := checkCreatedFile(t, s, "upload in SDK order", resp, b)
	checkFileFields(t, "upload in SDK order", kitty, map[string]any{
		"name": "kitty", "extension": "png", "path": "/up/sdk/kitty.png", "size": float64(len(pngBytes)),
		"fileMd5": contentMD5(pngBytes), "width": float64(7), "height": float64(5), "type": "IMG",
		"access": "PUBLIC_INDEXABLE", "archived": false, "url": s.BaseURL + "/hubfs/1/up/sdk/kitty.png",
	})
	for _, k := range []string{"createdAt", "updatedAt"} {
		if !wireTimeRE.MatchString(jstr(kitty, k)) {
			t.Errorf("upload: %s = %#v, want an ISO-8601 UTC time with milliseconds", k, kitty[k])
		}
	}
	folderID := jstr(kitty, "parentFolderId")
	if !decimalRE.MatchString(folderID) {
		t.Fatalf("upload: parentFolderId = %#v, want a folder id", kitty["parentFolderId"])
	}
	checkServed(t, s, "uploaded png", jstr(kitty, "url"), pngBytes)

	// Another order: options first, then folderId, the file last; the name
	// comes from the part's file name.
	txt := textBody("upload other order", 500)
	resp, b = sendForm(t, s, "POST", filesPath, s.Token,
		optionsPart(accessOpts("PUBLIC_NOT_INDEXABLE")), fieldPart("folderId", folderID), filePart("dog.txt", "text/plain", txt))
	dog := checkCreatedFile(t, s, "upload with the file last", resp, b)
	checkFileFields(t, "upload with the file last", dog, map[string]any{
		"name": "dog", "extension": "txt", "path": "/up/sdk/dog.txt", "parentFolderId": folderID,
		"size": float64(len(txt)), "fileMd5": contentMD5(txt), "type": "DOCUMENT", "access": "PUBLIC_NOT_INDEXABLE",
	})
	checkServed(t, s, "uploaded txt", jstr(dog, "url"), txt)

	// Chunked, with no Content-Length, as the Node SDK 14 sends it: 3 MiB
	// written while the server reads.
	big := textBody("chunked upload", 3<<20)
	resp, b = streamForm(t, s, "POST", filesPath, s.Token,
		filePart("big.txt", "text/plain", big), fieldPart("folderPath", "/up/chunked"), optionsPart(accessOpts("PUBLIC_INDEXABLE")))
	chunked := checkCreatedFile(t, s, "chunked upload", resp, b)
	checkFileFields(t, "chunked upload", chunked, map[string]any{
		"path": "/up/chunked/big.txt", "size": float64(len(big)), "fileMd5": contentMD5(big),
	})
	checkServed(t, s, "chunked upload", jstr(chunked, "url"), big)

	// Chunked with the parts in another order.
	resp, b = streamForm(t, s, "POST", filesPath, s.Token,
		optionsPart(accessOpts("PUBLIC_INDEXABLE")), fieldPart("folderPath", "/up/chunked"), filePart("small.txt", "text/plain", txt[:100]))
	checkFileFields(t, "chunked upload, file last", checkCreatedFile(t, s, "chunked upload, file last", resp, b),
		map[string]any{"path": "/up/chunked/small.txt", "size": float64(100)})

	// PRIVATE: stored, not served at its plain URL.
	priv := uploadFile(t, s, "/up/opts", "secret.txt", textBody("private upload", 120), accessOpts("PRIVATE"))
	checkFileFields(t, "PRIVATE upload", priv, map[string]any{"access": "PRIVATE"})
	checkNotServed(t, s, "PRIVATE upload", jstr(priv, "url"))

	// The same name again: renamed, a new file.
	dupName := textBody("same name but other bytes", 130)
	again := uploadFile(t, s, "/up/opts", "secret.txt", dupName, accessOpts("PUBLIC_INDEXABLE"))
	checkFileFields(t, "same name again", again, map[string]any{"name": "secret-1", "path": "/up/opts/secret-1.txt"})

	// The caller's harmless extension is kept, as HubSpot keeps it, so that
	// the application finds the file at the path it chose: plain text that
	// happens to look like CSV (a comma on every line) stays .txt, YAML
	// stays .yaml.
	for _, c := range []struct{ name, body, ext string }{
		{"report.txt", string(textBody("one, two", 200)), "txt"},
		{"cfg.yaml", "key: value\nlist:\n  - a\n  - b\n", "yaml"},
		{"notes.md", "# Title\n\nSome *markdown* text.\n", "md"},
		{"data.csv", "a,b,c\n1,2,3\n4,5,6\n", "csv"},
	} {
		f := uploadFile(t, s, "/up/names", c.name, []byte(c.body), accessOpts("PUBLIC_INDEXABLE"))
		checkFileFields(t, "text file "+c.name, f, map[string]any{"extension": c.ext, "path": "/up/names/" + c.name, "type": "DOCUMENT"})
	}

	// Concurrent uploads of one name into a new folder: every one is stored,
	// each under its own name, in one folder.
	const racers = 8
	racePaths := make([]string, racers)
	raceFolders := make([]string, racers)
	runPool(racers, racers, func(i int) {
		body, ct := encodeForm(t, []formPart{filePart("same.txt", "text/plain", textBody("race "+string(rune('a'+i)), 100+i)),
			fieldPart("folderPath", "/up/race"), optionsPart(accessOpts("PUBLIC_INDEXABLE"))})
		resp, b := s.doHeader("POST", filesPath, body, s.Token, http.Header{"Content-Type": {ct}})
		if resp.StatusCode != http.StatusCreated {
			t.Errorf("concurrent upload %d of same.txt: status = %d, want 201\n%s", i, resp.StatusCode, b)
			return
		}
		m := decodeJSON(t, b)
		racePaths[i], raceFolders[i] = jstr(m, "path"), jstr(m, "parentFolderId")
	})
	slices.Sort(racePaths)
	if got := slices.Compact(slices.Clone(racePaths)); len(got) != racers {
		t.Errorf("concurrent uploads of same.txt: paths %q, want %d distinct paths", racePaths, racers)
	}
	if got := slices.Compact(raceFolders); len(got) != 1 {
		t.Errorf("concurrent uploads into /up/race: parent folders %q, want one folder", got)
	}

	// overwrite: the new file takes the path, with a new id; the old one is archived.
	over := textBody("overwrite", 140)
	resp, b = sendForm(t, s, "POST", filesPath, s.Token, filePart("secret.txt", "text/plain", over),
		fieldPart("folderPath", "/up/opts"), optionsPart(map[string]any{"access": "PUBLIC_INDEXABLE", "overwrite": true}))
	replaced := checkCreatedFile(t, s, "overwrite", resp, b)
	checkFileFields(t, "overwrite", replaced, map[string]any{"path": "/up/opts/secret.txt", "fileMd5": contentMD5(over)})
	if jstr(replaced, "id") == jstr(priv, "id") {
		t.Errorf("overwrite: id = %s, the old file's; want a new id", jstr(replaced, "id"))
	}
	if old := getFile(t, s, jstr(priv, "id")); old["archived"] != true {
		t.Errorf("overwrite: the old file has archived = %#v, want true", old["archived"])
	}
	checkServed(t, s, "overwrite", jstr(replaced, "url"), over)

	// REJECT: the bytes exist already (kitty), so 409 and nothing stored.
	before := blobFiles(t, s)
	resp, b = sendForm(t, s, "POST", filesPath, s.Token, filePart("kitty-copy.png", "image/png", pngBytes),
		fieldPart("folderPath", "/up/dups"), optionsPart(map[string]any{"access": "PUBLIC_INDEXABLE", "duplicateValidationStrategy": "REJECT"}))
	wantError(t, "REJECT a duplicate", resp, b, http.StatusConflict, "CONFLICT")
	if added := newBlobs(before, blobFiles(t, s)); len(added) > 0 {
		t.Errorf("REJECT a duplicate: blob storage gained %q, want nothing", added)
	}
	checkNotServed(t, s, "REJECT a duplicate", "/hubfs/1/up/dups/kitty-copy.png")

	// RETURN_EXISTING: the existing file, nothing stored.
	resp, b = sendForm(t, s, "POST", filesPath, s.Token, filePart("kitty-copy.png", "image/png", pngBytes),
		fieldPart("folderPath", "/up/dups"), optionsPart(map[string]any{"access": "PUBLIC_INDEXABLE", "duplicateValidationStrategy": "RETURN_EXISTING"}))
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("RETURN_EXISTING: status = %d, want 201 (the only success the SDK accepts)\n%s", resp.StatusCode, b)
	} else if got := jstr(decodeJSON(t, b), "id"); got != jstr(kitty, "id") {
		t.Errorf("RETURN_EXISTING: id = %q, want the existing file %s", got, jstr(kitty, "id"))
	}
	if added := newBlobs(before, blobFiles(t, s)); len(added) > 0 {
		t.Errorf("RETURN_EXISTING: blob storage gained %q, want nothing", added)
	}

	// REJECT limited to the exact folder: the copy elsewhere does not count.
	resp, b = sendForm(t, s, "POST", filesPath, s.Token, filePart("kitty-copy.png", "image/png", pngBytes),
		fieldPart("folderPath", "/up/dups"), optionsPart(map[string]any{"access": "PUBLIC_INDEXABLE",
			"duplicateValidationStrategy": "REJECT", "duplicateValidationScope": "EXACT_FOLDER"}))
	checkFileFields(t, "REJECT in EXACT_FOLDER", checkCreatedFile(t, s, "REJECT in EXACT_FOLDER", resp, b),
		map[string]any{"path": "/up/dups/kitty-copy.png"})

	// ttl: a period from now.
	start := time.Now()
	ttl := uploadFile(t, s, "/up/opts", "ttl.txt", textBody("ttl", 90), map[string]any{"access": "PUBLIC_INDEXABLE", "ttl": "P1D"})
	if got := jnum(ttl, "expiresAt"); got < float64(start.Add(24*time.Hour-time.Minute).UnixMilli()) ||
		got > float64(time.Now().Add(24*time.Hour+time.Minute).UnixMilli()) {
		t.Errorf("ttl P1D: expiresAt = %v, want about %d (a day from now, epoch ms)", got, start.Add(24*time.Hour).UnixMilli())
	}
	// expiresAt: kept to the millisecond, returned as epoch ms.
	exp := time.Now().Add(72 * time.Hour).Truncate(time.Millisecond)
	expiring := uploadFile(t, s, "/up/opts", "exp.txt", textBody("expiresAt", 95), map[string]any{"access": "PUBLIC_INDEXABLE", "expiresAt": isoMS(exp)})
	checkFileFields(t, "options.expiresAt", expiring, map[string]any{"expiresAt": float64(exp.UnixMilli())})

	// Validation errors: each names its field, and nothing is stored.
	before = blobFiles(t, s)
	someFile := filePart("x.txt", "text/plain", textBody("invalid", 50))
	pub := optionsPart(accessOpts("PUBLIC_INDEXABLE"))
	for _, c := range []struct {
		what  string
		parts []formPart
		in    string
	}{
		{"no file part", []formPart{fieldPart("folderPath", "/up/bad"), pub}, "file"},
		{"folderId and folderPath", []formPart{someFile, fieldPart("folderId", folderID), fieldPart("folderPath", "/up/bad"), pub}, "folderId"},
		{"neither folderId nor folderPath", []formPart{someFile, pub}, "folderPath"},
		{"options not JSON", []formPart{someFile, fieldPart("folderPath", "/up/bad"), fieldPart("options", `{"access": PUBLIC`)}, "options"},
		{"options missing", []formPart{someFile, fieldPart("folderPath", "/up/bad")}, "options"},
		{"bad access", []formPart{someFile, fieldPart("folderPath", "/up/bad"), optionsPart(accessOpts("NOPE"))}, "options.access"},
		{"access missing", []formPart{someFile, fieldPart("folderPath", "/up/bad"), optionsPart(map[string]any{"overwrite": true})}, "options.access"},
		{"bad duplicateValidationStrategy", []formPart{someFile, fieldPart("folderPath", "/up/bad"),
			optionsPart(map[string]any{"access": "PRIVATE", "duplicateValidationStrategy": "MAYBE"})}, "options.duplicateValidationStrategy"},
		{"bad ttl", []formPart{someFile, fieldPart("folderPath", "/up/bad"),
			optionsPart(map[string]any{"access": "PRIVATE", "ttl": "forever"})}, "options.ttl"},
		{"expiresAt in the past", []formPart{someFile, fieldPart("folderPath", "/up/bad"),
			optionsPart(map[string]any{"access": "PRIVATE", "expiresAt": "2001-01-01T00:00:00.000Z"})}, "options.expiresAt"},
		{"folderPath with ..", []formPart{someFile, fieldPart("folderPath", "/up/../etc"), pub}, "folderPath"},
		{"fileName with a slash", []formPart{someFile, fieldPart("folderPath", "/up/bad"), fieldPart("fileName", "../../x.txt"), pub}, "fileName"},
		{"unknown folderId", []formPart{someFile, fieldPart("folderId", "987654321"), pub}, "folderId"},
		{"folderId not a number", []formPart{someFile, fieldPart("folderId", "abc"), pub}, "folderId"},
	} {
		resp, b := sendForm(t, s, "POST", filesPath, s.Token, c.parts...)
		checkInvalid(t, c.what, resp, b, c.in)
	}
	resp, b = s.do("POST", filesPath, map[string]any{"folderPath": "/up/bad", "options": `{"access":"PRIVATE"}`}, s.Token)
	checkInvalid(t, "a JSON body", resp, b, "")
	if added := newBlobs(before, blobFiles(t, s)); len(added) > 0 {
		t.Errorf("refused uploads left blobs %q, want none", added)
	}
	checkNotServed(t, s, "refused upload", "/hubfs/1/up/bad/x.txt")

	// Authentication and scopes.
	resp, b = sendForm(t, s, "POST", filesPath, "", someFile, fieldPart("folderPath", "/up/bad"), pub)
	wantError(t, "upload without a token", resp, b, http.StatusUnauthorized, "INVALID_AUTHENTICATION")
	resp, b = sendForm(t, s, "POST", filesPath, s.createToken(1, "files.read"), someFile, fieldPart("folderPath", "/up/bad"), pub)
	wantError(t, "upload with files.read", resp, b, http.StatusForbidden, "MISSING_SCOPES")
	resp, b = sendForm(t, s, "POST", filesPath, s.createToken(1, "files.write"), someFile, fieldPart("folderPath", "/up/ok"), pub)
	checkCreatedFile(t, s, "upload with files.write", resp, b)
}

// TestFilesUploadLimit checks --max-upload-size: one byte over is refused
// with 413 and leaves no blob; exactly the limit is stored.
func TestFilesUploadLimit(t *testing.T) {
	t.Parallel()
	skipShort(t)
	s := startServer(t, "--max-upload-size", "1024")
	opts := optionsPart(accessOpts("PUBLIC_INDEXABLE"))

	before := blobFiles(t, s)
	over := textBody("one byte over", 1025)
	resp, b := sendForm(t, s, "POST", filesPath, s.Token, filePart("over.txt", "text/plain", over), fieldPart("folderPath", "/limit"), opts)
	wantError(t, "upload of limit+1 bytes", resp, b, http.StatusRequestEntityTooLarge, "VALIDATION_ERROR")
	resp, b = streamForm(t, s, "POST", filesPath, s.Token, filePart("over.txt", "text/plain", over), fieldPart("folderPath", "/limit"), opts)
	wantError(t, "chunked upload of limit+1 bytes", resp, b, http.StatusRequestEntityTooLarge, "VALIDATION_ERROR")
	resp, b = sendForm(t, s, "POST", filesPath, s.Token, fieldPart("folderPath", "/limit"), opts,
		filePart("far-over.txt", "text/plain", textBody("far over", 200<<10)))
	wantError(t, "upload of 200 KiB", resp, b, http.StatusRequestEntityTooLarge, "VALIDATION_ERROR")
	if added := newBlobs(before, blobFiles(t, s)); len(added) > 0 {
		t.Errorf("uploads over the limit left blobs %q, want none", added)
	}
	checkNotServed(t, s, "upload over the limit", "/hubfs/1/limit/over.txt")

	exact := textBody("exactly the limit", 1024)
	resp, b = sendForm(t, s, "POST", filesPath, s.Token, filePart("exact.txt", "text/plain", exact), fieldPart("folderPath", "/limit"), opts)
	f := checkCreatedFile(t, s, "upload of exactly the limit", resp, b)
	checkFileFields(t, "upload of exactly the limit", f, map[string]any{"size": float64(1024)})
	checkServed(t, s, "upload of exactly the limit", jstr(f, "url"), exact)

	// Replacing content obeys the same limit.
	resp, b = sendForm(t, s, "PUT", filesPath+"/"+jstr(f, "id"), s.Token, filePart("over.txt", "text/plain", over))
	wantError(t, "replace with limit+1 bytes", resp, b, http.StatusRequestEntityTooLarge, "VALIDATION_ERROR")
	checkServed(t, s, "after a refused replace", jstr(f, "url"), exact)
}

// TestFilesGetUpdateReplaceDelete checks GET (with properties), PATCH, PUT,
// DELETE and gdpr-delete on one portal's files.
func TestFilesGetUpdateReplaceDelete(t *testing.T) {
	t.Parallel()
	skipShort(t)
	s := startServer(t)
	img := newPNG(t, 7, 5)
	f := uploadFile(t, s, "/crud", "pic.png", img, accessOpts("PUBLIC_NOT_INDEXABLE"))
	id := jstr(f, "id")
	crudFolder := jstr(f, "parentFolderId")
	other := uploadFile(t, s, "/crud", "other.png", newPNG(t, 3, 3), accessOpts("PUBLIC_INDEXABLE"))

	// GET returns the uploaded File; properties selects fields.
	if got := getFile(t, s, id); !reflect.DeepEqual(got, f) {
		t.Errorf("GET file =\n%v\nwant the upload's File\n%v", got, f)
	}
	required := []string{"access", "archived", "createdAt", "id", "updatedAt"}
	for _, q := range []string{"properties=name&properties=size", "properties=name,size"} {
		resp, b := s.do("GET", filesPath+"/"+id+"?"+q, nil, s.Token)
		if !wantStatus(t, "GET ?"+q, resp, b, http.StatusOK) {
			continue
		}
		m := decodeJSON(t, b)
		want := append(slices.Clone(required), "name", "size")
		slices.Sort(want)
		if got := objKeys(m); !slices.Equal(got, want) {
			t.Errorf("GET ?%s: keys = %q, want %q", q, got, want)
		}
		if m["name"] != "pic" || m["size"] != float64(len(img)) {
			t.Errorf("GET ?%s: name, size = %#v, %#v; want pic, %d", q, m["name"], m["size"], len(img))
		}
	}

	patch := func(what string, body any, wantCode int) map[string]any {
		t.Helper()
		resp, b := s.do("PATCH", filesPath+"/"+id, body, s.Token)
		if resp.StatusCode != wantCode {
			t.Fatalf("PATCH %s: status = %d, want %d\n%s", what, resp.StatusCode, wantCode, b)
		}
		return decodeJSON(t, b)
	}

	// access
	p := patch("access PRIVATE", map[string]any{"access": "PRIVATE"}, http.StatusOK)
	checkFileFields(t, "PATCH access", p, map[string]any{"access": "PRIVATE", "id": id})
	checkNotServed(t, s, "after PATCH access PRIVATE", jstr(f, "url"))
	if !(jstr(p, "updatedAt") >= jstr(f, "updatedAt")) || p["createdAt"] != f["createdAt"] {
		t.Errorf("PATCH: createdAt %v → %v, updatedAt %v → %v; want createdAt kept and updatedAt not earlier",
			f["createdAt"], p["createdAt"], f["updatedAt"], p["updatedAt"])
	}
	patch("access PUBLIC_INDEXABLE", map[string]any{"access": "PUBLIC_INDEXABLE"}, http.StatusOK)
	checkServed(t, s, "after PATCH access PUBLIC_INDEXABLE", jstr(f, "url"), img)

	// name: the path and URL follow; the old URL is gone.
	p = patch("name", map[string]any{"name": "renamed"}, http.StatusOK)
	checkFileFields(t, "PATCH name", p, map[string]any{"name": "renamed", "extension": "png", "path": "/crud/renamed.png",
		"url": s.BaseURL + "/hubfs/1/crud/renamed.png"})
	checkNotServed(t, s, "old URL after rename", jstr(f, "url"))
	checkServed(t, s, "new URL after rename", jstr(p, "url"), img)

	// parentFolderPath moves; parentFolderId moves back.
	moved := createFolder(t, s, map[string]any{"name": "moved", "parentPath": "/crud"})
	p = patch("parentFolderPath", map[string]any{"parentFolderPath": "/crud/moved"}, http.StatusOK)
	checkFileFields(t, "PATCH parentFolderPath", p, map[string]any{"path": "/crud/moved/renamed.png", "parentFolderId": jstr(moved, "id")})
	checkServed(t, s, "after the move", s.BaseURL+"/hubfs/1/crud/moved/renamed.png", img)
	checkNotServed(t, s, "before the move", s.BaseURL+"/hubfs/1/crud/renamed.png")
	p = patch("parentFolderId", map[string]any{"parentFolderId": crudFolder}, http.StatusOK)
	checkFileFields(t, "PATCH parentFolderId", p, map[string]any{"path": "/crud/renamed.png", "parentFolderId": crudFolder})

	// isUsableInContent, expiresAt, clearExpires.
	p = patch("isUsableInContent", map[string]any{"isUsableInContent": false}, http.StatusOK)
	checkFileFields(t, "PATCH isUsableInContent", p, map[string]any{"isUsableInContent": false})
	exp := time.Now().Add(48 * time.Hour).Truncate(time.Millisecond)
	p = patch("expiresAt", map[string]any{"expiresAt": isoMS(exp)}, http.StatusOK)
	checkFileFields(t, "PATCH expiresAt", p, map[string]any{"expiresAt": float64(exp.UnixMilli())})
	p = patch("clearExpires", map[string]any{"clearExpires": true}, http.StatusOK)
	if v, ok := p["expiresAt"]; ok && v != nil {
		t.Errorf("PATCH clearExpires: expiresAt = %#v, want none", v)
	}
	checkServed(t, s, "after PATCH clearExpires", jstr(p, "url"), img)

	// Refusals leave the file as it was.
	resp, b := s.do("PATCH", filesPath+"/"+id, map[string]any{"parentFolderId": jstr(moved, "id"), "parentFolderPath": "/crud/moved"}, s.Token)
	checkInvalid(t, "PATCH parentFolderId and parentFolderPath", resp, b, "parentFolderId")
	resp, b = s.do("PATCH", filesPath+"/"+id, map[string]any{"name": jstr(other, "name")}, s.Token)
	wantError(t, "PATCH rename onto an existing name", resp, b, http.StatusConflict, "CONFLICT")
	resp, b = s.do("PATCH", filesPath+"/"+id, map[string]any{"access": "NOPE"}, s.Token)
	checkInvalid(t, "PATCH bad access", resp, b, "access")
	resp, b = s.do("PATCH", filesPath+"/"+id, map[string]any{"parentFolderPath": "/crud/nowhere"}, s.Token)
	checkInvalid(t, "PATCH into a missing folder", resp, b, "parentFolderPath")
	resp, b = s.do("PATCH", filesPath+"/"+id, map[string]any{"parentFolderId": "987654321"}, s.Token)
	checkInvalid(t, "PATCH into a missing folder id", resp, b, "parentFolderId")
	resp, b = s.do("PATCH", filesPath+"/"+id, map[string]any{"name": "a/b"}, s.Token)
	checkInvalid(t, "PATCH name with a slash", resp, b, "name")
	resp, b = s.do("PATCH", filesPath+"/"+id, "", s.Token)
	checkInvalid(t, "PATCH without a body", resp, b, "")
	if got := getFile(t, s, id); jstr(got, "path") != "/crud/renamed.png" || jstr(got, "access") != "PUBLIC_INDEXABLE" {
		t.Errorf("after refused PATCHes: path, access = %q, %q; want /crud/renamed.png, PUBLIC_INDEXABLE", jstr(got, "path"), jstr(got, "access"))
	}

	// PUT replaces the content: same id and URL, new md5, size and dimensions;
	// the old blob is deleted.
	blobsBefore := blobFiles(t, s)
	img2 := newPNG(t, 20, 10)
	resp, b = sendForm(t, s, "PUT", filesPath+"/"+id, s.Token, filePart("new.png", "image/png", img2),
		optionsPart(map[string]any{"access": "PUBLIC_NOT_INDEXABLE"}))
	if wantStatus(t, "PUT replace", resp, b, http.StatusOK) {
		r := decodeJSON(t, b)
		checkFileFields(t, "PUT replace", r, map[string]any{"id": id, "path": "/crud/renamed.png", "fileMd5": contentMD5(img2),
			"size": float64(len(img2)), "width": float64(20), "height": float64(10), "access": "PUBLIC_NOT_INDEXABLE"})
		hr := checkServed(t, s, "after PUT replace", s.BaseURL+"/hubfs/1/crud/renamed.png", img2)
		if got := hr.Header.Get("X-Robots-Tag"); got != "noindex" {
			t.Errorf("after PUT with access PUBLIC_NOT_INDEXABLE: X-Robots-Tag = %q, want noindex", got)
		}
	}
	blobsAfter := blobFiles(t, s)
	if gone := newBlobs(blobsAfter, blobsBefore); len(gone) == 0 {
		t.Errorf("PUT replace: no blob was deleted; want the old content gone (before %q, after %q)", blobsBefore, blobsAfter)
	}
	// Chunked replace, the SDK's way.
	img3 := newPNG(t, 9, 4)
	resp, b = streamForm(t, s, "PUT", filesPath+"/"+id, s.Token, filePart("newer.png", "image/png", img3), fieldPart("charsetHunch", "utf-8"))
	if wantStatus(t, "chunked PUT replace", resp, b, http.StatusOK) {
		checkFileFields(t, "chunked PUT replace", decodeJSON(t, b), map[string]any{"id": id, "fileMd5": contentMD5(img3),
			"width": float64(9), "height": float64(4), "access": "PUBLIC_NOT_INDEXABLE"})
		checkServed(t, s, "after chunked PUT", s.BaseURL+"/hubfs/1/crud/renamed.png", img3)
	}
	resp, b = sendForm(t, s, "PUT", filesPath+"/"+id, s.Token, optionsPart(accessOpts("PRIVATE")))
	checkInvalid(t, "PUT without a file part", resp, b, "file")
	resp, b = sendForm(t, s, "PUT", filesPath+"/"+id, s.Token, filePart("x.png", "image/png", img), optionsPart(accessOpts("NOPE")))
	checkInvalid(t, "PUT with a bad access", resp, b, "options.access")
	checkServed(t, s, "after refused PUTs", s.BaseURL+"/hubfs/1/crud/renamed.png", img3)

	// DELETE archives: 204, not served, archived in GET, gone from search.
	resp, b = s.do("DELETE", filesPath+"/"+id, nil, s.Token)
	if wantStatus(t, "DELETE", resp, b, http.StatusNoContent) && len(b) != 0 {
		t.Errorf("DELETE: body = %q, want none", b)
	}
	checkNotServed(t, s, "archived file", s.BaseURL+"/hubfs/1/crud/renamed.png")
	g := getFile(t, s, id)
	if g["archived"] != true || !wireTimeRE.MatchString(jstr(g, "archivedAt")) {
		t.Errorf("GET archived file: archived = %#v, archivedAt = %#v; want true and a time", g["archived"], g["archivedAt"])
	}
	if ids := resultIDs(searchPage(t, s, fileSearch, map[string][]string{"ids": {id}})); len(ids) != 0 {
		t.Errorf("search ids=%s after DELETE: %v, want nothing", id, ids)
	}
	resp, b = s.do("GET", filesPath+"/"+id+"/signed-url", nil, s.Token)
	wantError(t, "signed-url of an archived file", resp, b, http.StatusNotFound, "OBJECT_NOT_FOUND")
	resp, b = s.do("GET", filesPath+"/"+id+"/download", nil, s.Token)
	wantError(t, "download of an archived file", resp, b, http.StatusNotFound, "OBJECT_NOT_FOUND")
	resp, b = s.do("PATCH", filesPath+"/"+id, map[string]any{"name": "zombie"}, s.Token)
	wantError(t, "PATCH an archived file", resp, b, http.StatusNotFound, "OBJECT_NOT_FOUND")

	// gdpr-delete: 204, then GET 404 and the blob gone.
	blobsBefore = blobFiles(t, s)
	gone := textBody("gdpr", 333)
	gf := uploadFile(t, s, "/crud", "gdpr.txt", gone, accessOpts("PUBLIC_INDEXABLE"))
	itsBlobs := newBlobs(blobsBefore, blobFiles(t, s))
	if len(itsBlobs) == 0 {
		t.Fatalf("upload added no key under files/ in %s; the blob layout changed", s.blobURL())
	}
	resp, b = s.do("DELETE", filesPath+"/"+jstr(gf, "id")+"/gdpr-delete", nil, s.Token)
	if wantStatus(t, "gdpr-delete", resp, b, http.StatusNoContent) && len(b) != 0 {
		t.Errorf("gdpr-delete: body = %q, want none", b)
	}
	resp, b = s.do("GET", filesPath+"/"+jstr(gf, "id"), nil, s.Token)
	wantError(t, "GET after gdpr-delete", resp, b, http.StatusNotFound, "OBJECT_NOT_FOUND")
	checkNotServed(t, s, "after gdpr-delete", jstr(gf, "url"))
	now := blobFiles(t, s)
	for _, p := range itsBlobs {
		if slices.Contains(now, p) {
			t.Errorf("gdpr-delete: blob %s is still there", p)
		}
	}
	// gdpr-delete of an archived file removes it too.
	resp, b = s.do("DELETE", filesPath+"/"+id+"/gdpr-delete", nil, s.Token)
	wantStatus(t, "gdpr-delete of an archived file", resp, b, http.StatusNoContent)
	resp, b = s.do("GET", filesPath+"/"+id, nil, s.Token)
	wantError(t, "GET an archived file after gdpr-delete", resp, b, http.StatusNotFound, "OBJECT_NOT_FOUND")
}

// TestFilesBadIDsAndForeignPortal checks that malformed ids are refused with
// 400, unknown ids with 404, and that another portal's file is, for every
// operation, exactly as if it did not exist.
func TestFilesBadIDsAndForeignPortal(t *testing.T) {
	t.Parallel()
	skipShort(t)
	s := startServer(t)
	content := textBody("portal one", 200)
	f := uploadFile(t, s, "/mine", "mine.txt", content, accessOpts("PRIVATE"))
	id := jstr(f, "id")
	portal2 := s.createToken(2, "files")

	type op struct {
		method, suffix string
		form           bool // a multipart body
		json           any
	}
	ops := []op{
		{"GET", "", false, nil},
		{"PATCH", "", false, map[string]any{"name": "taken"}},
		{"PUT", "", true, nil},
		{"DELETE", "", false, nil},
		{"DELETE", "/gdpr-delete", false, nil},
		{"GET", "/signed-url", false, nil},
		{"GET", "/download", false, nil},
	}
	send := func(o op, fileID, token string) (*http.Response, []byte) {
		t.Helper()
		p := filesPath + "/" + fileID + o.suffix
		if o.form {
			return sendForm(t, s, o.method, p, token, filePart("x.txt", "text/plain", textBody("replace", 50)))
		}
		return s.do(o.method, p, o.json, token)
	}
	for _, o := range ops {
		for _, bad := range []string{"abc", "0", "-1", "1.5"} {
			what := o.method + " " + filesPath + "/" + bad + o.suffix
			resp, b := send(o, bad, s.Token)
			checkInvalid(t, what, resp, b, "fileId")
		}
		what := o.method + " unknown id" + o.suffix
		resp, b := send(o, "987654321", s.Token)
		unknown := wantError(t, what, resp, b, http.StatusNotFound, "OBJECT_NOT_FOUND")
		what = o.method + " portal 1's file with a portal 2 token" + o.suffix
		resp, b = send(o, id, portal2)
		foreign := wantError(t, what, resp, b, http.StatusNotFound, "OBJECT_NOT_FOUND")
		if foreign["subCategory"] != unknown["subCategory"] {
			t.Errorf("%s: subCategory %#v, but %#v for an unknown id; want the same", what, foreign["subCategory"], unknown["subCategory"])
		}
	}
	// Portal 2 searching sees nothing of portal 1.
	resp, b := s.do("GET", fileSearch+"?ids="+id, nil, portal2)
	if wantStatus(t, "portal 2 search", resp, b, http.StatusOK) {
		if ids := resultIDs(decodeJSON(t, b)); len(ids) != 0 {
			t.Errorf("portal 2 search ids=%s: %v, want nothing", id, ids)
		}
	}
	resp, b = s.do("GET", filesPath+"/stat/mine/mine.txt", nil, portal2)
	wantError(t, "portal 2 stat of portal 1's path", resp, b, http.StatusNotFound, "OBJECT_NOT_FOUND")

	// Portal 1's file is untouched.
	if got := getFile(t, s, id); !reflect.DeepEqual(got, f) {
		t.Errorf("after portal 2's attempts, GET =\n%v\nwant\n%v", got, f)
	}
	resp, b = s.do("GET", filesPath+"/"+id+"/download", nil, s.Token)
	if wantStatus(t, "portal 1 download", resp, b, http.StatusOK) && !bytes.Equal(b, content) {
		t.Errorf("portal 1 download: got %d bytes, want the uploaded %d", len(b), len(content))
	}
}

// TestFilesStat checks GET /files/v3/files/stat/{path}: a file path sent
// percent-encoded as one segment (the SDK) or raw, a folder path, and an
// unknown path.
func TestFilesStat(t *testing.T) {
	t.Parallel()
	skipShort(t)
	s := startServer(t)
	f := uploadFile(t, s, "/a", "b.png", newPNG(t, 4, 4), accessOpts("PUBLIC_INDEXABLE"))
	spaced := uploadFile(t, s, "/library/cat archive", "cat.txt", textBody("stat", 80), accessOpts("PRIVATE"))

	for _, c := range []struct{ what, path, wantID string }{
		{"encoded", "%2Fa%2Fb.png", jstr(f, "id")},
		{"raw", "a/b.png", jstr(f, "id")},
		{"encoded with a space", "%2Flibrary%2Fcat%20archive%2Fcat.txt", jstr(spaced, "id")},
		{"raw with a space", "library/cat%20archive/cat.txt", jstr(spaced, "id")},
	} {
		resp, b := s.do("GET", filesPath+"/stat/"+c.path, nil, s.Token)
		if !wantStatus(t, "stat "+c.what, resp, b, http.StatusOK) {
			continue
		}
		m := decodeJSON(t, b)
		if got := jstr(m, "file", "id"); got != c.wantID {
			t.Errorf("stat %s: file.id = %q, want %s\n%s", c.what, got, c.wantID, b)
		}
		if _, ok := m["folder"]; ok {
			t.Errorf("stat %s: has a folder, want only a file\n%s", c.what, b)
		}
	}
	resp, b := s.do("GET", filesPath+"/stat/%2Fa%2Fb.png?properties=path", nil, s.Token)
	if wantStatus(t, "stat with properties", resp, b, http.StatusOK) {
		file, _ := decodeJSON(t, b)["file"].(map[string]any)
		if got := objKeys(file); !slices.Equal(got, []string{"access", "archived", "createdAt", "id", "path", "updatedAt"}) {
			t.Errorf("stat ?properties=path: file keys = %q, want path and the required ones", got)
		}
	}
	for _, p := range []string{"%2Flibrary%2Fcat%20archive", "library/cat%20archive", "%2Fa"} {
		resp, b := s.do("GET", filesPath+"/stat/"+p, nil, s.Token)
		if !wantStatus(t, "stat folder "+p, resp, b, http.StatusOK) {
			continue
		}
		m := decodeJSON(t, b)
		want := "/" + strings.TrimPrefix(strings.ReplaceAll(strings.ReplaceAll(p, "%2F", "/"), "%20", " "), "/")
		if got := jstr(m, "folder", "path"); got != want {
			t.Errorf("stat folder %s: folder.path = %q, want %q\n%s", p, got, want, b)
		}
		if _, ok := m["file"]; ok {
			t.Errorf("stat folder %s: has a file, want only a folder", p)
		}
	}
	// The root has no Folder record (GET /folders/%2F answers 404), so stat
	// of "/" has nothing to return either.
	for _, p := range []string{"%2Fa%2Fmissing.png", "a/missing.png", "%2Fnowhere", "a/b.png/c", "%2F"} {
		resp, b := s.do("GET", filesPath+"/stat/"+p, nil, s.Token)
		wantError(t, "stat "+p, resp, b, http.StatusNotFound, "OBJECT_NOT_FOUND")
	}
	// An archived file is not found.
	resp, b = s.do("DELETE", filesPath+"/"+jstr(f, "id"), nil, s.Token)
	wantStatus(t, "DELETE", resp, b, http.StatusNoContent)
	resp, b = s.do("GET", filesPath+"/stat/%2Fa%2Fb.png", nil, s.Token)
	wantError(t, "stat of an archived file", resp, b, http.StatusNotFound, "OBJECT_NOT_FOUND")
}
