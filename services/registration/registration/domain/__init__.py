"""The registration domain: pure Python decisions, no I/O."""
