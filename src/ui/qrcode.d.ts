// qrcode ships no types: the one call dmshare makes.
declare module "qrcode" {
  interface ToStringOptions {
    type: "utf8" | "terminal";
    small?: boolean;
    margin?: number;
    errorCorrectionLevel?: "L" | "M" | "Q" | "H";
  }
  const QRCode: { toString(text: string, options: ToStringOptions): Promise<string> };
  export default QRCode;
}
