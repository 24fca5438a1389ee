package ferry

// wireKind is how HubSpot's wire reports one Kind.
type wireKind struct {
	status      int    // the HTTP status
	category    string // the error body's category
	subCategory string // a failed task's subCategory when its cause names none
}

// wireKinds is the one table from Kind to HubSpot's status and category.
// API error answers and failed tasks both read it.
var wireKinds = map[Kind]wireKind{
	Internal:        {500, "INTERNAL_ERROR", "INTERNAL_ERROR"},
	Invalid:         {400, "VALIDATION_ERROR", "INVALID_REQUEST"},
	NotFound:        {404, "OBJECT_NOT_FOUND", "OBJECT_NOT_FOUND"},
	Conflict:        {409, "CONFLICT", "CONFLICT"},
	Unauthenticated: {401, "INVALID_AUTHENTICATION", "INVALID_AUTHENTICATION"},
	Forbidden:       {403, "MISSING_SCOPES", "MISSING_SCOPES"},
	TooLarge:        {413, "VALIDATION_ERROR", "TOO_LARGE"},
	RateLimited:     {429, "RATE_LIMITS", "RATE_LIMITS"},
	Unavailable:     {503, "SERVICE_UNAVAILABLE", "SERVICE_UNAVAILABLE"},
	OriginFailed:    {502, "FETCH_FAILED", "FETCH_FAILED"},
	OriginTimeout:   {504, "FETCH_FAILED", "FETCH_FAILED"},
	Interrupted:     {500, "INTERRUPTED", "WORK_LOST"},
	TimedOut:        {408, "TIMEOUT", "TIMEOUT"},
	StorageFull:     {507, "STORAGE_FULL", "STORAGE_FULL"},
	CanceledByUser:  {409, "CANCELED_BY_USER", "CANCELED_BY_USER"},
}

func (k Kind) wire() wireKind {
	if w, ok := wireKinds[k]; ok {
		return w
	}
	return wireKinds[Internal]
}

// Status returns the HTTP status that reports k.
func (k Kind) Status() int { return k.wire().status }

// Category returns HubSpot's error category for k.
func (k Kind) Category() string { return k.wire().category }

// SubCategory returns the subCategory a failed task reports for k when
// its cause names none, so that every task error names one.
func (k Kind) SubCategory() string { return k.wire().subCategory }

// KindOfWire returns the Kind that HubSpot's wire reports with status and
// category: the exact pair if there is one, else the first kind with that
// status, else Internal. It reads task errors stored before they carried
// a Kind.
func KindOfWire(status int, category string) Kind {
	found, ok := Internal, false
	for k := Kind(0); int(k) < len(kindNames); k++ {
		w := wireKinds[k]
		if w.status == status && w.category == category {
			return k
		}
		if w.status == status && !ok {
			found, ok = k, true
		}
	}
	return found
}
