"""A local stand-in for Amazon Seller Central, for demos and tests that cannot reach the real site.

It signs in like Amazon (e-mail, password, optional CAPTCHA and identity check, TOTP, marketplace
picker), keeps sessions in cookies, and serves the six watched sections as small single-page apps that
fetch invented data from the same JSON endpoints the real pages use. Everything it shows is synthetic.

Start it with :class:`scraper.demo.server.DemoServer` or ``python -m scraper.demo.server``. The package
imports nothing eagerly, so that ``python -m scraper.demo.server`` does not load the module twice.
"""
