"""One thin router per resource: parse, authorise, call the service layer, shape the answer."""
