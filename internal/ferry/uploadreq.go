package ferry

import (
	"slices"
	"time"
)

// OptionsInput are an upload's or a replace's "options" as sent.
type OptionsInput struct {
	Access            *string
	TTL               *string
	ExpiresAt         *string
	Overwrite         *bool
	DuplicateStrategy *string
	DuplicateScope    *string
}

// UploadInput is a multipart upload as read, before validation: its
// content already staged, and its fields as sent.
type UploadInput struct {
	Staged     *Staged // nil: the request had no file part
	FolderID   *string
	FolderPath *string
	FileName   *string
	Options    *OptionsInput // nil: the options part is missing
	Decoded    Problems      // found while reading the fields, reported with the rest
}

// Validate checks every field and returns the request, or an Invalid error
// that lists every problem found.
func (in UploadInput) Validate(now time.Time) (UploadRequest, error) {
	var req UploadRequest
	p := stagedProblems(in.Staged, in.Decoded)
	req.FolderID, req.FolderPath = validateFolder(in.FolderID, in.FolderPath, &p)
	if in.FileName != nil {
		req.Name = validateName(*in.FileName, "fileName", &p)
	}
	if in.Options == nil {
		p.Add("options", "REQUIRED", "options is required, with at least access, for example {\"access\":\"PRIVATE\"}")
		return req, p.Err()
	}
	o := in.Options
	req.Options.Access = validateAccess(o.Access, "options.access", &p)
	req.Options.DuplicateStrategy, req.Options.DuplicateScope = validateDuplicates(o.DuplicateStrategy, o.DuplicateScope, "options.", &p)
	if o.Overwrite != nil {
		req.Options.Overwrite = *o.Overwrite
	}
	_, req.Options.ExpiresAt = validateExpiry(o.TTL, o.ExpiresAt, now, "options.", &p)
	return req, p.Err()
}

// stagedProblems starts the problems of a multipart request: those found
// while decoding it, and a missing file part.
func stagedProblems(st *Staged, decoded Problems) Problems {
	p := slices.Clone(decoded)
	if st == nil {
		p.Add("file", "REQUIRED", "a file part is required")
	}
	return p
}

// ReplaceInput is a multipart replace as read, before validation: its
// content already staged, and its options as sent.
type ReplaceInput struct {
	Staged  *Staged       // nil: the request had no file part
	Options *OptionsInput // nil: keep the file's access and expiry
	Decoded Problems      // found while reading the fields, reported with the rest
}

// Validate checks a replace and returns its options, or an Invalid error
// that lists every problem found.
func (in ReplaceInput) Validate(now time.Time) (ReplaceOptions, error) {
	var out ReplaceOptions
	p := stagedProblems(in.Staged, in.Decoded)
	o := in.Options
	if o == nil {
		return out, p.Err()
	}
	if o.Access != nil {
		a := validateAccess(o.Access, "options.access", &p)
		out.Access = &a
	}
	if o.ExpiresAt != nil || o.TTL != nil {
		_, t := validateExpiry(o.TTL, o.ExpiresAt, now, "options.", &p)
		out.ExpiresAt = &t
	}
	return out, p.Err()
}

func validateAccess(a *string, in string, p *Problems) Access {
	switch {
	case a == nil:
		p.Add(in, "REQUIRED", "%s is required: one of %s", in, accessList())
	case !Access(*a).Valid():
		p.Add(in, "INVALID_ENUM", "%s %q is not one of %s", in, *a, accessList())
	default:
		return Access(*a)
	}
	return ""
}

func validateDuplicates(strategy, scope *string, prefix string, p *Problems) (DuplicateStrategy, DuplicateScope) {
	st, sc := DuplicateNone, ScopeEntirePortal
	if strategy != nil {
		if s := DuplicateStrategy(*strategy); s.Valid() {
			st = s
		} else {
			p.Add(prefix+"duplicateValidationStrategy", "INVALID_ENUM", "duplicateValidationStrategy %q is not one of NONE, REJECT, RETURN_EXISTING", *strategy)
		}
	}
	if scope != nil {
		if s := DuplicateScope(*scope); s.Valid() {
			sc = s
		} else {
			p.Add(prefix+"duplicateValidationScope", "INVALID_ENUM", "duplicateValidationScope %q is not one of ENTIRE_PORTAL, EXACT_FOLDER", *scope)
		}
	}
	return st, sc
}
