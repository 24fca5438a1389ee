package httpapi

import (
	"encoding/json"
	"net/http"

	"ferry/internal/ferry"
	"ferry/internal/formdata"
)

// formLimits bound an upload or replace request: each text part, and how
// many parts of any kind. Only the text parts an upload or a replace reads
// are kept.
var formLimits = formdata.Limits{MaxParts: 32, MaxFieldBytes: 64 << 10, Keep: func(name string) bool {
	switch name {
	case "folderId", "folderPath", "fileName", "charsetHunch", "options":
		return true
	}
	return false
}}

// multipartForm is an upload or replace request read as a stream
// (formdata.Read): the file part goes straight into blob storage as it
// arrives, in whatever order the parts come, and the text parts are kept.
type multipartForm struct{ *formdata.Form }

// readMultipart streams a multipart/form-data body. The caller must
// Discard form.Staged if it does not commit it.
func (s *server) readMultipart(r *http.Request) (multipartForm, error) {
	mr, err := formdata.Open(r)
	if err != nil {
		return multipartForm{}, err
	}
	form, err := formdata.Read(r.Context(), mr, s.files, ferry.Content{Portal: portal(r), MaxBytes: s.opts.MaxUploadBytes}, formLimits)
	return multipartForm{form}, err
}

// uploadInput returns the form as an upload.
func (f multipartForm) uploadInput() ferry.UploadInput {
	in := ferry.UploadInput{Staged: f.Staged, FolderID: f.Field("folderId"), FolderPath: f.Field("folderPath"), FileName: f.Field("fileName")}
	in.Options = f.optionsInput(&in.Decoded)
	return in
}

// replaceInput returns the form as a replace.
func (f multipartForm) replaceInput() ferry.ReplaceInput {
	in := ferry.ReplaceInput{Staged: f.Staged}
	in.Options = f.optionsInput(&in.Decoded)
	return in
}

// optionsInput decodes the "options" part, a JSON string.
func (f multipartForm) optionsInput(p *ferry.Problems) *ferry.OptionsInput {
	raw, ok := f.Fields["options"]
	if !ok {
		return nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &fields); err != nil || fields == nil {
		p.Add("options", "INVALID_JSON", "options must be a JSON object, such as {\"access\":\"PRIVATE\"}")
		return &ferry.OptionsInput{}
	}
	o := &jsonObject{fields: fields}
	in := &ferry.OptionsInput{Access: o.str("access"), TTL: o.str("ttl"), ExpiresAt: o.str("expiresAt"),
		Overwrite: o.boolean("overwrite"), DuplicateStrategy: o.str("duplicateValidationStrategy"),
		DuplicateScope: o.str("duplicateValidationScope")}
	for _, d := range o.problems {
		d.In = "options." + d.In
		*p = append(*p, d)
	}
	return in
}
