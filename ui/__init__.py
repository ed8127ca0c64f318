"""Streamlit helpers shared by pages: login gate, navigation, widgets, voucher views."""
