package httpapi

// strictImportFields are the ImportFromUrlInput fields that HubSpot's
// 2026-03 spec marks required and that Ferry otherwise defaults.
var strictImportFields = []string{"access", "duplicateValidationScope", "duplicateValidationStrategy", "overwrite"}

// strictImport adds, under --strict, a REQUIRED problem for each required
// import field the body leaves out.
func (s *server) strictImport(obj *jsonObject) {
	if !s.opts.Strict {
		return
	}
	for _, name := range strictImportFields {
		if _, ok := obj.fields[name]; !ok {
			obj.problems.Add(name, "REQUIRED", "%s is required (--strict applies HubSpot's required fields)", name)
		}
	}
}
