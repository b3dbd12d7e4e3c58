"""Use cases of the service: each public function owns its one transaction."""
