"""Domain layer of the service-voucher platform: plain Python, never imports streamlit."""
