(done)
